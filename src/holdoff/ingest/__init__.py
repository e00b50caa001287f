"""Alert sources: each turns its system's native webhook into :class:`holdoff.mediate.model.AlertEvent`."""

KNOWN_SOURCES = frozenset(
    {"coralogix", "alertmanager", "grafana", "cloudwatch", "aws-health", "securityhub", "generic"}
)
"""Source names, as used in URLs, alert identities and ``ingest_tokens``."""
