"""Every environment variable concurlab reads or sets, named once.

Environment variables cross process boundaries nobody sees in the import
graph (the host sets one, the driver or a subject's worker reads it), so each
name is spelled here and nowhere else; ``tests/engine/test_contracts.py``
checks that.  Kept import-free: the subject reads it before its policy is on.
"""

#: Host -> driver: "require" (the default: bubblewrap or no grading) or "off" (--no-sandbox).
SANDBOX = "CONCURLAB_SANDBOX"
#: Host -> driver: the exercise's job limits from course.yml (JSON; grader.sandbox.Limits).
LIMITS = "CONCURLAB_LIMITS"
#: Driver -> subject and its workers: the folder trusted probes leave evidence in.
PROBE_DIR = "CONCURLAB_PROBE_DIR"
#: Subject -> its spawn/forkserver workers: the submission folder the policy guards.
POLICY_ROOT = "CONCURLAB_POLICY_ROOT"
#: Anyone -> the explorer: replay this schedule token in every ``explore``.
REPLAY = "CONCURLAB_REPLAY"
#: Instructor -> the nbgrader notebooks' checks: the course.yml to grade with.
COURSE = "CONCURLAB_COURSE"
#: Gradescope's run_autograder: a root other than /autograder (tests), the sandbox choice
#: (auto, require, off) and the interpreter that has the engine.
AUTOGRADER_ROOT = "CONCURLAB_AUTOGRADER_ROOT"
AUTOGRADER_SANDBOX = "CONCURLAB_AUTOGRADER_SANDBOX"
AUTOGRADER_PYTHON = "CONCURLAB_PYTHON"
#: Driver -> probes, as files in PROBE_DIR (the same kind of unseen contract): while WATCHING
#: is there, the driver's TreeWatch writes SEEN for each process it has seen, and a probe's
#: first call in a process waits (bounded) for its own, so no short-lived worker goes unseen.
WATCHING = "watching"
SEEN = "seen-{pid}"
