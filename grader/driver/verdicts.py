"""Verdicts besides a plain assertion: the machine could not tell, or the submission's process failed.

Their own module so that hidden tests, the speed judge, the explorer's judge
and the subject proxy raise them without importing the pytest plugin, and the
plugin recognises them when it records an outcome.
"""


class Inconclusive(Exception):
    """Raised by a hidden test when the machine could not show what it measures.

    The test scores nothing for now and is marked for a regrade; it never
    counts as the student's failure.
    """


class SubjectFailure(AssertionError):
    """The submission's process died or hung: a failure of the code under test."""


class SubjectDied(SubjectFailure):
    """The process running the submission ended during a call."""


class SubjectHung(SubjectFailure):
    """A call into the submission did not return within the per-test call timeout."""


class ResourceLimitExceeded(SubjectFailure):
    """The submission broke one of the job's limits (the figure is in the message)."""
