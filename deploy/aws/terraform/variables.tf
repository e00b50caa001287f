variable "holdoff_url" {
  description = "Holdoff's public HTTPS base URL, without a trailing slash (a certificate from a public authority)."
  type        = string
  validation {
    condition     = can(regex("^https://[^/?#]+(/[^?#]*[^/?#])?$", var.holdoff_url))
    error_message = "holdoff_url must be an https:// URL without a trailing slash, query or fragment."
  }
}

variable "ingest_token" {
  description = "The token Holdoff expects from these sources (sources.token, or each source's own); 16 URL-safe characters at least."
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.ingest_token) >= 16 && can(regex("^[A-Za-z0-9._~-]+$", var.ingest_token))
    error_message = "ingest_token must be 16 or more URL-safe characters (it goes in the SNS subscription's query string)."
  }
}

variable "name_prefix" {
  description = "Prefix of the names of the resources made here."
  type        = string
  default     = "holdoff"
}

variable "invocation_rate_limit_per_second" {
  description = "Most requests per second EventBridge sends to Holdoff per destination."
  type        = number
  default     = 20
}
