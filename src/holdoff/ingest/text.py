"""Text fields every source shares: strings a database can store as they are."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps both backends answering alike.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A string without NUL characters."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptionalText = Annotated[Text | None, BeforeValidator(_blank_is_none)]
"""An optional string without NUL characters; blank counts as absent."""
