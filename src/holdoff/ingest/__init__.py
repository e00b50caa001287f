"""Alert sources: each turns its system's native webhook into :class:`holdoff.mediate.model.AlertEvent`.

The sources themselves are listed once, in :mod:`holdoff.ingest.registry`.
"""

from holdoff.ingest.registry import NAMES

KNOWN_SOURCES = frozenset(NAMES)
"""Source names, as used in URLs, alert identities and ``ingest_tokens`` (from the registry's table)."""
