"""Mutation operators: each one on a small example, and the generator's rules."""

from __future__ import annotations

import ast
import textwrap

import pytest

from grader.mutate.generate import mutants
from grader.mutate.operators import OPERATORS

#: operator -> (code it applies to, the mutant it must make); one row per operator.
EXAMPLES = {
    "remove_lock": ("with self._lock:\n    self.n += 1", "self.n += 1"),
    "split_critical_section": ("with lock:\n    a = x\n    x = a + 1",
                               "with lock:\n    a = x\nwith lock:\n    x = a + 1"),
    "check_outside_lock": ("with lock:\n    if n < amount:\n        raise E\n    n -= amount",
                           "if n < amount:\n    raise E\nwith lock:\n    n -= amount"),
    "while_to_if": ("while not ready:\n    cond.wait()", "if not ready:\n    cond.wait()"),
    "wait_for_without_recheck": ("ok = cond.wait_for(has_room, t)", "ok = has_room() or cond.wait(t) or True"),
    "notify_all_to_notify": ("cond.notify_all()", "cond.notify()"),
    "drop_notify": ("with c:\n    c.notify()", "with c:\n    pass"),
    "swap_lock_order": ("with a, b:\n    eat()", "with b, a:\n    eat()"),
    "wait_to_sleep_poll": ("while not ev.wait(5):\n    tick()",
                           "import time\nwhile not (time.sleep(0.001) or ev.wait(0)):\n    tick()"),
    "unlocked_shared_value": ("c = mp.Array('q', 4)", "c = mp.Array('q', 4, lock=False)"),
    "drop_join": ("for t in ts:\n    t.join()", "for t in ts:\n    pass"),
    "drop_close": ("shm.close()\nshm.unlink()", "pass\nshm.unlink()"),
    "drop_main_guard": ("if __name__ == '__main__':\n    main()", "main()"),
    "processes_to_threads": ("with ProcessPoolExecutor(2, mp_context=ctx) as p:\n    pass",
                             "import concurrent.futures\n"
                             "with concurrent.futures.ThreadPoolExecutor(2) as p:\n    pass"),
    "unbounded_pool": ("ThreadPoolExecutor(max_workers=n)", "ThreadPoolExecutor(max_workers=64)"),
    "remove_async_limit": ("async def f():\n    async with sem:\n        await g()",
                           "async def f():\n    await g()"),
    "unbounded_semaphore": ("sem = asyncio.Semaphore(limit)", "sem = asyncio.Semaphore(1000000000)"),
    "blocking_sleep": ("async def f():\n    await asyncio.sleep(1)",
                       "import time\n\nasync def f():\n    time.sleep(1)"),
}


def test_every_operator_has_an_example():
    assert set(EXAMPLES) == set(OPERATORS), "add a row to EXAMPLES for each new operator"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_operator_makes_its_mutant(name):
    before, after = EXAMPLES[name]
    op = OPERATORS[name]
    tree = ast.parse(before)
    assert op.sites(tree), f"{name} should apply to:\n{before}"
    assert ast.unparse(op.apply(tree, 0)) == ast.unparse(ast.parse(after))
    assert ast.unparse(tree) == ast.unparse(ast.parse(before)), "the original tree is left alone"


def test_locks_are_told_from_pools_and_files():
    code = "with open(p) as f, ThreadPoolExecutor(4) as pool, ExitStack():\n    pass"
    assert not OPERATORS["remove_lock"].sites(ast.parse(code))
    assert OPERATORS["remove_lock"].sites(ast.parse("with counts.get_lock():\n    pass"))


def test_generator_keeps_only_compiling_distinct_mutants():
    source = textwrap.dedent('''\
        """doc"""
        import threading
        lock = threading.Lock()

        def inc(c):
            with lock:
                c.n += 1
            with lock:
                c.n += 1
        ''')
    made = mutants(source)
    assert [m.operator for m in made] == ["remove_lock", "remove_lock"]
    assert [m.line for m in made] == [6, 8] and len({m.name for m in made}) == 2
    for m in made:
        compile(m.source, m.name, "exec")
    assert mutants(source, only={"drop_join"}) == []
