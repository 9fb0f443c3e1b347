"""Report pages people read in a browser: ``feedback.html`` per student, ``class.html``.

Rendered by Jinja2 with autoescape on: student ids, names and messages are untrusted
and never become markup.  Pages are self-contained (inline CSS and SVG, no script, a
Content-Security-Policy that forbids any), so they open offline from the output folder.
Geometry for the charts is computed in ``charts`` and drawn by the templates.
"""
