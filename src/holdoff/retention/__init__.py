"""Retention, the pure part: how long each kind of row is kept (``retention:``,
:mod:`holdoff.retention.config`) and the planner of what the next prune removes
(:mod:`holdoff.retention.plan`). The job that deletes is :mod:`holdoff.service.retention`."""
