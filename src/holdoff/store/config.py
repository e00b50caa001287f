"""The ``database:`` section: where Holdoff keeps its state."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from holdoff.config_types import SENSITIVE


class DatabaseSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str | None, SENSITIVE] = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite under server.data_dir. PostgreSQL: postgresql+psycopg://...",
    )

    @field_validator("url")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None
