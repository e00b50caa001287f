"""The dashboard: server-rendered pages (Jinja2) with small hand-written ES modules, no build step.

``routes.install(app)`` adds the pages and serves ``static/`` at ``/static``; everything a page needs
is in this package, so the dashboard works on an air-gapped network.
"""
