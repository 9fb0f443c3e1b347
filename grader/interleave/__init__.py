"""A deterministic interleaving explorer for Python threads (stdlib only).

Controlled threads run one at a time; a strategy ("bounded", the default, "random", "pct",
"exhaustive") picks who runs at every switch point (shared-memory
instructions of the code under test, every synchronisation operation).
Failing schedules come back as a short story with a diagnosis and a replay
token. See ``explore`` and ``exists``.
"""

from .api import VERDICTS, Result, exists, explore, set_replay

__all__ = ["VERDICTS", "Result", "explore", "exists", "set_replay"]
