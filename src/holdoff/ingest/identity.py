"""Stable alert identities for sources that do not send a fingerprint of their own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping


def stable_fingerprint(*parts: str | Mapping[str, str] | None) -> str:
    """A short, stable hash of the identity fields a source defines.

    The same parts always give the same fingerprint, across processes and releases; mappings are
    hashed with sorted keys, so label order does not matter.
    """
    canonical = json.dumps(
        [dict(sorted(part.items())) if isinstance(part, Mapping) else part for part in parts],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


_FNV64_OFFSET = 0xCBF29CE484222325
_FNV64_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1
_SEPARATOR = b"\xff"


def label_set_fingerprint(labels: Mapping[str, str]) -> str:
    """The fingerprint Prometheus and Alertmanager give a label set (FNV-1a 64 over sorted pairs).

    Used when an Alertmanager-shaped webhook omits ``fingerprint``, so the alert gets the same
    identity as when the sender includes it.
    """
    value = _FNV64_OFFSET
    for name in sorted(labels):
        for part in (name.encode(), _SEPARATOR, labels[name].encode(), _SEPARATOR):
            for byte in part:
                value = ((value ^ byte) * _FNV64_PRIME) & _MASK64
    return f"{value:016x}"
