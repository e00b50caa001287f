"""Root-cause evidence of an alert: the logs of its service around its start, the alerts and anomalies
near it, and the changes (deploys, config, scaling) before it. Pure: the shell fetches, this computes."""
