"""Scheduled pulls of metric samples: PromQL ``query_range`` against a Prometheus server
(:mod:`.prometheus`) and CloudWatch ``GetMetricData`` for tagged EC2 instances (:mod:`.cloudwatch`),
in one table (:mod:`.catalog`). The loop that runs them is :mod:`holdoff.service.metric_pull`."""
