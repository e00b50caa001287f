output "alarm_topic_arn" {
  description = "Send CloudWatch alarm actions (ALARM, OK) here; list it in Holdoff's sources.cloudwatch.topic_arns."
  value       = aws_sns_topic.alarms.arn
}

output "dead_letter_queue_url" {
  description = "Events EventBridge could not deliver to Holdoff."
  value       = aws_sqs_queue.dead_letter.id
}

output "rule_arns" {
  description = "The EventBridge rules, by Holdoff source name."
  value       = { for name, rule in aws_cloudwatch_event_rule.holdoff : name => rule.arn }
}
