"""Errors a source parser raises for a payload it understands but cannot accept."""

from __future__ import annotations


class PayloadError(ValueError):
    """The payload is well-formed JSON but not a valid message of its source.

    The message names the field and what is wrong; the API answers 422 with it.
    """
