"""Verdicts a hidden test can give besides pass and fail.

Its own module so that hidden tests, the speed judge and the explorer's judge
raise them without importing the pytest plugin, and the plugin recognises
them when it records an outcome.
"""


class Inconclusive(Exception):
    """Raised by a hidden test when the machine could not show what it measures.

    The test scores nothing for now and is marked for a regrade; it never
    counts as the student's failure.
    """
