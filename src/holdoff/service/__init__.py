"""Application services: load state, run the pure core, commit its decisions with their outbox rows."""
