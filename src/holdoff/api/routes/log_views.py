"""Placeholder while this router is written (issue 13); it serves nothing yet."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
