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
