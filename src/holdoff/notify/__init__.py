"""Outbound channels: what a message says and how each channel delivers it."""
