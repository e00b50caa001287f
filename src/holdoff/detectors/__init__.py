"""Anomaly detectors on metric series (a pure core): static thresholds, a streaming detector that learns
online, and an Isolation Forest trained on history; their scores combined into one in [0, 1]."""
