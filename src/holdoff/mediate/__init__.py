"""The pure mediation core: events and an injected clock in, decisions out."""
