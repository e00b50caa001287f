"""Text fields every source shares: strings a database can store and a page can show.

Lone UTF-16 surrogates and NUL are replaced by U+FFFD (:func:`holdoff.edge.clean_text`), the rule for
all input; a webhook body is cleaned whole when it is read, and these types apply the same rule to a
model built from data that did not come through a body (a recorded stream, a test).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from holdoff.edge import clean_text, utc_in_range


def _cleaned(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_cleaned)]
"""A string that a database can store: lone surrogates and NUL replaced by U+FFFD."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptionalText = Annotated[Text | None, BeforeValidator(_blank_is_none)]
"""An optional :data:`Text`; blank counts as absent."""


Moment = Annotated[datetime, AfterValidator(utc_in_range)]
"""A time Holdoff can add to (:data:`holdoff.edge.EARLIEST` .. :data:`holdoff.edge.LATEST`), in UTC;
one without a zone is UTC."""
