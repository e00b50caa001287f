"""The HTTP shell: routes parse, call a service, and shape the response."""
