"""Alert sources: each turns its system's native webhook into :class:`holdoff.mediate.model.AlertEvent`."""
