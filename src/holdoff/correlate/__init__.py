"""Correlation: incidents of different groups that belong together become one incident, with a
probable root. A pure core (no clock, no I/O); see docs/correlation.md."""
