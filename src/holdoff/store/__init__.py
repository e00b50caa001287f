"""Persistence: tables, migrations, and the queries each concept needs, next to that concept."""
