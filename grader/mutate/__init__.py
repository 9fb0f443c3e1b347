"""Concurrency-aware mutation analysis: wrong answers generated from the reference.

``operators`` holds the mutation operators (each a small named class: where it applies
and what it changes, on the syntax tree); ``generate`` makes every mutant of a module;
``analysis`` grades each through the real grading path and tells which test killed it,
or that it survived.
"""
