"""LTI 1.3 grade passback: scores to a learning platform through Assignment and Grade Services.

``settings`` reads the platform's TOML file, ``client`` talks to the platform (an OAuth 2
token from a signed JWT assertion, retries), ``ledger`` remembers what was pushed so a
rerun resumes without duplicates, and ``push`` turns a graded class into scores.
"""
