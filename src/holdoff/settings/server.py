"""The ``server:`` section: where Holdoff listens, how it is reached, where it writes, how it logs."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from holdoff.ingest.config import split_list


class ServerSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="Worker processes sharing the port.")
    public_url: str | None = Field(
        default=None, description="Base URL people use to reach Holdoff; used in message links."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names Holdoff may be reached by (comma-separated), besides IP addresses, "
        "localhost, the bind address and public_url's host; other Host headers get 400 (DNS rebinding). "
        "'*': any. Bound to all addresses (0.0.0.0, ::), empty means any Host, with a warning at start.",
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Other web origins (scheme://host[:port], comma-separated) whose pages may send "
        "unsafe requests and open /ws/alerts; Holdoff's own origin and public_url's always may.",
    )
    data_dir: Path = Field(default=Path("var"), description="Where the default SQLite database lives.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    lease_seconds: float = Field(
        default=30.0, ge=1, le=3600, description="How long a claimed timer or message is a process's own."
    )
    scheduler_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    sender_interval_seconds: float = Field(default=0.5, gt=0, le=60)

    _split = field_validator("allowed_hosts", "allowed_origins", mode="before")(split_list)

    @field_validator("allowed_hosts")
    @classmethod
    def _check_host_names(cls, value: list[str]) -> list[str]:
        """Host names as the Host check compares them: lower case, no brackets or final dot."""
        names = []
        for entry in value:
            name = entry.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
            if not name or "/" in name or "@" in name or (":" in name and not is_ip_address(name)):
                raise ValueError(
                    f"{entry!r} is not a host name: write it without scheme, port or path, "
                    "e.g. holdoff.example.com"
                )
            names.append(name)
        return names

    @field_validator("allowed_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not _is_origin(entry):
                raise ValueError(
                    f"{entry!r} is not an origin: write scheme://host[:port], e.g. https://grafana.example.com"
                )
        return value

    @field_validator("public_url")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_origin(text: str) -> bool:
    """``scheme://host[:port]``, as a browser's Origin header has it (a final ``/`` is let pass)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port  # raises ValueError for a port that is not one
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and port != 0
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or "@" in parts.netloc)
    )
