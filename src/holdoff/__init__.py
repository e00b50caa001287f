"""Holdoff: hold off transient alerts, escalate what stays broken."""

__version__ = "0.1.0"
