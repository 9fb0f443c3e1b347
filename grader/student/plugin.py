"""Student-facing pytest plugin (progress table). Filled in below."""
