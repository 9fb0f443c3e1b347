"""concurlab: a course kit and autograder for Python concurrency."""

__version__ = "0.1.0"
