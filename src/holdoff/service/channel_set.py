"""Which channels this process can send to, and which message kinds each takes."""

from __future__ import annotations

from collections.abc import Mapping

from holdoff.mediate.model import NotificationKind


class ChannelSet:
    """The configured channels' names with the kinds each takes (None: every kind)."""

    def __init__(self, kinds: Mapping[str, frozenset[NotificationKind] | None]) -> None:
        self._kinds = dict(kinds)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def takes(self, name: str, kind: NotificationKind) -> bool:
        """Whether ``name`` is configured and takes messages of ``kind``."""
        if name not in self._kinds:
            return False
        kinds = self._kinds[name]
        return kinds is None or kind in kinds
