"""Trusted helper functions that hidden tests hand to submissions by name.

They run inside the subject (and in its worker processes), so they must be
importable module-level functions: picklable under the spawn start method.
Pass one with ``subject.probe("grader.probes.<module>:<function>")``.
"""
