'''Hostile submissions for e01_threads_io (``download_all(urls, fetch, max_workers=8)``).

Each attack is the source of a ``downloader.py``.  None does the work honestly:
``download_all`` never fetches and leaves a thread behind (so every hidden test
fails on its own), which means any point an attacker scores would come from the
attack.  ``@NAME@`` placeholders are filled in by the test (ports, paths, tokens).
'''

from __future__ import annotations

#: Appended to every attack: no honest work, a lingering thread.
LINGER = '''
import threading as _threading


def _linger():
    _threading.Thread(target=_threading.Event().wait, daemon=True).start()
'''


def _call(body: str, result: str = "{}") -> str:
    """An attack that runs ``body`` inside download_all, then returns ``result``."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return f"def download_all(urls, fetch, max_workers=8):\n{indented}\n    _linger()\n    return {result}\n"


_NOTHING = _call("pass")

ATTACKS: dict[str, str] = {
    # -- ending the process ------------------------------------------------
    "os_exit_at_import": "import os\nos._exit(0)\n" + _NOTHING,
    "system_exit_at_import": "raise SystemExit(0)\n" + _NOTHING,
    "os_exit_in_call": "import os\n" + _call("os._exit(0)"),
    "system_exit_in_call": _call("raise SystemExit(0)"),
    "kill_the_parent": "import os\nimport signal\n" + _call("os.kill(os.getppid(), signal.SIGKILL)"),
    # -- the test harness --------------------------------------------------
    "patch_pytest": (
        "import _pytest.runner\n"
        "_pytest.runner.call_and_report = lambda item, when, log=True, **kw: None\n"
        "pytest_plugins = ['grader.driver.plugin']\n" + _NOTHING),
    # -- lying values ------------------------------------------------------
    "always_equal": (
        "class Yes:\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "    __hash__ = object.__hash__\n"
        "    def __len__(self):\n        return 20\n"
        "    def __contains__(self, item):\n        return True\n"
        "    def get(self, key, default=None):\n        return self\n"
        "    def __getitem__(self, key):\n        return self\n"
        "    def __iter__(self):\n        return iter(())\n"
        + _call("pass", "Yes()")),
    "lying_dict": (
        "class Liar(dict):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = None\n"
        "    def __missing__(self, key):\n        return b'<html>' + key.encode() + b'</html>'\n"
        "    def get(self, key, default=None):\n        return self[key]\n"
        + _call("pass", "Liar()")),
    "lying_int_values": (
        "class Anything(int):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        + _call("pass", "{url: Anything(0) for url in [*urls, 'http://example.test/extra']}")),
    # -- reaching the verdict ----------------------------------------------
    "gc_walk": "import gc\n" + _call(
        "for obj in gc.get_objects():\n"
        "    if isinstance(obj, dict) and any('example.test' in str(k) for k in list(obj)[:3]):\n"
        "        obj.clear()\n"
        "for ref in gc.get_referrers(urls):\n"
        "    pass"),
    "gc_walk_in_worker": (
        "import gc\nimport multiprocessing\nfrom concurrent.futures import ProcessPoolExecutor\n\n\n"
        "def _walk(n):\n    return len(gc.get_objects())\n\n\n"
        + _call("with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn')) as ex:\n"
                "    ex.submit(_walk, 1).result()")),
    "frame_walk": _call(
        "try:\n"
        "    raise LookupError\n"
        "except LookupError as exc:\n"
        "    frame = exc.__traceback__.tb_frame\n"
        "while frame is not None:\n"
        "    frame.f_locals.pop('expected', None)\n"
        "    frame = frame.f_back"),
    "patch_time": "import time\n" + _call(
        "time.perf_counter = lambda: 0.0\ntime.monotonic = lambda: 0.0\ntime.sleep = lambda s: None"),
    "patch_getpid": "import os\n" + _call("os.getpid = lambda: 1"),
    "patch_builtins": "import builtins\n" + _call(
        "builtins.len = lambda obj: 20\nbuiltins.sorted = lambda it, **kw: list(it)"),
    "remove_tracer": "import sys\nimport threading\n" + _call(
        "sys.settrace(None)\nthreading.settrace(None)\nsys.setprofile(None)"),
    "ctypes_poke": "import ctypes\n" + _call("ctypes.CDLL(None).getpid()"),
    # -- the file system ---------------------------------------------------
    "read_other_files": "import os\n" + _call(
        "found = {}\n"
        "for path in ('../..', '@OTHER@', '@HIDDEN@', '@SOLUTIONS@'):\n"
        "    try:\n"
        "        found[path] = str(sorted(os.listdir(path)))\n"
        "    except OSError as exc:\n"
        "        found[path] = repr(exc)\n"
        "for path in ('@OTHER_FILE@', '@HIDDEN_FILE@'):\n"
        "    try:\n"
        "        found[path] = open(path).read()\n"
        "    except OSError as exc:\n"
        "        found[path] = repr(exc)\n"
        "print(found)", "found"),
    "write_output_folder": _call(
        "for name in ('@OUT@/grades.csv', '@OUT@/PWNED', '@OTHER_FILE@'):\n"
        "    try:\n"
        "        with open(name, 'w') as f:\n"
        "            f.write('@TOKEN@')\n"
        "    except OSError:\n"
        "        pass"),
    # -- resources ---------------------------------------------------------
    "fork_bomb": "import os\nimport time\n" + _call(
        "me = os.getpid()\n"
        "for _ in range(12):  # at most 4096 processes even with no limit at all\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        break\n"
        "if os.getpid() != me:\n"
        "    time.sleep(30)\n"
        "    os._exit(0)"),
    "memory_bomb": "import mmap\n" + _call(
        "hoard = [b'x' * (512 << 20)]  # touched\n"
        "for _ in range(64):  # mapped: up to 64 GiB\n"
        "    hoard.append(mmap.mmap(-1, 1 << 30))"),
    "infinite_loop_at_import": "while True:\n    pass\n" + _NOTHING,
    "output_flood": "import sys\n" + _call(
        "chunk = 'spam ' * (1 << 18) + '\\n'\n"
        "for _ in range(160):  # 200 MB\n"
        "    sys.stdout.write(chunk)\n"
        "sys.stdout.flush()"),
    "escape_and_leak": "import os\nimport time\nfrom multiprocessing import shared_memory\n" + _call(
        "shm = shared_memory.SharedMemory(name='@TOKEN@', create=True, size=4096)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(120)\n"
        "    os._exit(0)\n"
        "open('/tmp/@TOKEN@', 'w').write('left behind')"),
    # -- the network and the environment ------------------------------------
    "loopback_to_grader": "import socket\n" + (
        "def _knock():\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', @PORT@), timeout=2).sendall(b'@TOKEN@')\n"
        "    except OSError:\n"
        "        pass\n\n\n"
        "_knock()\n") + _call("_knock()"),
    "print_environment": "import os\n" + _call(
        "leak = str(dict(os.environ))\n"
        "for pid in (1, os.getppid()):\n"
        "    try:\n"
        "        leak += str(open(f'/proc/{pid}/environ', 'rb').read())\n"
        "    except OSError:\n"
        "        pass\n"
        "print(leak)", "{url: leak for url in urls}"),
}

#: Attacks the runtime policy must catch (the exercise is voided: status "tampering").
TAMPERING = {"patch_pytest", "gc_walk", "gc_walk_in_worker", "frame_walk", "patch_time", "patch_getpid",
             "patch_builtins", "remove_tracer", "ctypes_poke", "read_other_files",
             "write_output_folder", "kill_the_parent"}

#: Files planted beside the module in a submission folder: none may ever run.
INJECTED = {
    "conftest.py": "open('@SENTINEL@', 'w').write('conftest ran')\n",
    "pytest.ini": "[pytest]\naddopts = -p conftest_plugin\n",
    "sitecustomize.py": "open('@SENTINEL@', 'w').write('sitecustomize ran')\n",
    "evil.pth": "import os; open('@SENTINEL@', 'w').write('pth ran')\n",
    "conftest_plugin.py": "open('@SENTINEL@', 'w').write('plugin ran')\n",
    "__init__.py": "open('@SENTINEL@', 'w').write('package ran')\n",
}


def fill(source: str, values: dict[str, str]) -> str:
    """Replace the ``@NAME@`` placeholders."""
    for key, value in values.items():
        source = source.replace(f"@{key}@", value)
    return source


def render(source: str, values: dict[str, str]) -> str:
    """A complete attack module."""
    return fill(source, values) + LINGER
