"""Metric input: samples pushed (``POST /metrics/ingest``), remote-written by Prometheus, or pulled from
Prometheus and CloudWatch, kept for a bounded retention for training and backtests."""
