"""``holdoff replay``: a recorded alert stream through the real mediation core with a simulated clock."""
