# AWS Health events and Security Hub findings to Holdoff through EventBridge API destinations, and
# CloudWatch alarms through an SNS topic with an HTTPS subscription: the same resources as
# ../holdoff-events.yaml (CloudFormation). See docs/deploy.md#aws.

locals {
  # Holdoff's source name -> the EventBridge pattern of the events it takes.
  event_sources = {
    "aws-health" = {
      description = "AWS Health events to Holdoff"
      pattern = {
        source        = ["aws.health"]
        "detail-type" = ["AWS Health Event"]
      }
    }
    # Every finding update, unfiltered on Workflow.Status or RecordState: the updates that resolve,
    # suppress or archive a finding are what resolve its alert in Holdoff.
    "securityhub" = {
      description = "Security Hub findings (ASFF and OCSF) to Holdoff"
      pattern = {
        source        = ["aws.securityhub"]
        "detail-type" = ["Security Hub Findings - Imported", "Findings Imported V2"]
      }
    }
  }
}

# --- EventBridge: one connection (the token as an API key header), one destination per source ---
resource "aws_cloudwatch_event_connection" "holdoff" {
  name               = "${var.name_prefix}-ingest"
  description        = "Holdoff's ingest token, sent as the X-Holdoff-Token header"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "X-Holdoff-Token"
      value = var.ingest_token
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "holdoff" {
  for_each                         = local.event_sources
  name                             = "${var.name_prefix}-${each.key}"
  connection_arn                   = aws_cloudwatch_event_connection.holdoff.arn
  http_method                      = "POST"
  invocation_endpoint              = "${var.holdoff_url}/webhooks/${each.key}"
  invocation_rate_limit_per_second = var.invocation_rate_limit_per_second
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "invoke" {
  name_prefix        = "${var.name_prefix}-invoke-"
  description        = "Lets EventBridge invoke Holdoff's API destinations"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json
}

data "aws_iam_policy_document" "invoke" {
  statement {
    actions   = ["events:InvokeApiDestination"]
    resources = [for destination in aws_cloudwatch_event_api_destination.holdoff : destination.arn]
  }
}

resource "aws_iam_role_policy" "invoke" {
  name   = "invoke-holdoff"
  role   = aws_iam_role.invoke.id
  policy = data.aws_iam_policy_document.invoke.json
}

# Events Holdoff did not take (a 4xx, or retries exhausted) are kept here for 14 days.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name_prefix}-events-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in aws_cloudwatch_event_rule.holdoff : rule.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
}

resource "aws_cloudwatch_event_rule" "holdoff" {
  for_each      = local.event_sources
  name          = "${var.name_prefix}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
}

resource "aws_cloudwatch_event_target" "holdoff" {
  for_each  = local.event_sources
  rule      = aws_cloudwatch_event_rule.holdoff[each.key].name
  target_id = "holdoff"
  arn       = aws_cloudwatch_event_api_destination.holdoff[each.key].arn
  role_arn  = aws_iam_role.invoke.arn
  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }
  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

# --- CloudWatch alarms: an SNS topic, and Holdoff subscribed to it over HTTPS ---
resource "aws_sns_topic" "alarms" {
  name         = "${var.name_prefix}-alarms"
  display_name = "Holdoff alarms"
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "alarms" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms.json
}

# SNS cannot set headers, so the token is in the query string. Raw message delivery stays off:
# Holdoff verifies the signed envelope and confirms the subscription itself.
resource "aws_sns_topic_subscription" "holdoff" {
  topic_arn              = aws_sns_topic.alarms.arn
  protocol               = "https"
  endpoint               = "${var.holdoff_url}/webhooks/cloudwatch?token=${var.ingest_token}"
  endpoint_auto_confirms = true
  raw_message_delivery   = false
  delivery_policy = jsonencode({
    healthyRetryPolicy = {
      numRetries         = 50
      numNoDelayRetries  = 0
      minDelayTarget     = 5
      maxDelayTarget     = 300
      numMinDelayRetries = 3
      numMaxDelayRetries = 35
      backoffFunction    = "exponential"
    }
    throttlePolicy = {
      maxReceivesPerSecond = 20
    }
  })
}
