"""Loaded into e19's subject: installs a helper module under the subject's own TMPDIR.

A thread dump reads the source line of every frame (``linecache``); frames of
code that lives in the hidden-tests folder would make an honest submission
open a file outside its sandbox, so the stuck threads run code from TMPDIR.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from types import ModuleType


def install(source: str, name: str) -> ModuleType:
    path = os.path.join(tempfile.gettempdir(), f"{name}.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
