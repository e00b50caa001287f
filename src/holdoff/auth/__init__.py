"""Access control: roles, API tokens, dashboard users and their sessions, and the audit log."""
