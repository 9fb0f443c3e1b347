"""Mutation operators that know about locks, conditions, processes and asyncio.

Each operator is one class: ``applies(node)`` picks the places it can change, in the
order ``ast.walk`` visits them; ``mutate(node)`` returns the replacement (a node, a list
of statements, or None to drop a statement).  Adding an operator touches this file only:
define the class with ``@operator``.
"""

from __future__ import annotations

import ast
import copy

#: Context managers that are not locks (pools, files, stacks, buffers).
NOT_LOCKS = {"open", "ThreadPoolExecutor", "ProcessPoolExecutor", "Pool", "ThreadPool", "ExitStack",
             "memoryview", "suppress", "TemporaryDirectory", "Manager", "closing", "timeout",
             "TaskGroup", "SharedMemoryManager"}


class Operator:
    name = ""
    summary = ""
    #: modules the mutated code uses (``import X`` is added at the top when missing)
    imports: tuple[str, ...] = ()

    def applies(self, node: ast.AST) -> bool:
        raise NotImplementedError

    def mutate(self, node: ast.AST) -> ast.AST | list[ast.stmt] | None:
        raise NotImplementedError

    def imports_for(self, node: ast.AST) -> tuple[str, ...]:
        return self.imports

    def sites(self, tree: ast.Module) -> list[ast.AST]:
        return [node for node in ast.walk(tree) if self.applies(node)]

    def apply(self, tree: ast.Module, index: int) -> ast.Module:
        """A copy of ``tree`` with the ``index``-th site mutated."""
        mutated = copy.deepcopy(tree)
        target = self.sites(mutated)[index]
        needed = self.imports_for(target)
        replaced = _Replace(target, self.mutate(target)).visit(mutated)
        for module in reversed(needed):
            _ensure_import(replaced, module)
        return ast.fix_missing_locations(replaced)


def _ensure_import(tree: ast.Module, module: str) -> None:
    """``import module`` after the docstring and ``__future__`` imports, unless it is there."""
    for node in tree.body:
        if isinstance(node, ast.Import) and any(a.name == module and a.asname is None for a in node.names):
            return
    at = 0
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            at = i + 1
    tree.body.insert(at, ast.Import(names=[ast.alias(name=module)]))


OPERATORS: dict[str, Operator] = {}


def operator(cls: type[Operator]) -> type[Operator]:
    OPERATORS[cls.name] = cls()
    return cls


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST | list[ast.stmt] | None):
        self.target, self.replacement = target, replacement

    def visit(self, node: ast.AST):  # noqa: ANN201 - NodeTransformer's protocol
        if node is self.target:
            if isinstance(self.replacement, list) and not self.replacement:
                return ast.Pass()
            return self.replacement if self.replacement is not None else ast.Pass()
        return self.generic_visit(node)


# -- helpers -----------------------------------------------------------------------------
def _callee(node: ast.AST) -> str:
    """The last name of a call's function (``pool.map`` -> ``map``), else ''."""
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return ""


def is_lock_item(item: ast.withitem) -> bool:
    """``with self._lock:``, ``with forks[i]:``, ``with counts.get_lock():`` — not pools or files."""
    expr = item.context_expr
    if item.optional_vars is not None:
        return False
    if isinstance(expr, ast.Name | ast.Attribute | ast.Subscript):
        return True
    name = _callee(expr)
    return bool(name) and name not in NOT_LOCKS and ("lock" in name.lower() or name.endswith("locked"))


def _method_call(node: ast.AST, *names: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names


def _statement_call(node: ast.AST, *names: str) -> bool:
    return isinstance(node, ast.Expr) and _method_call(node.value, *names)


# -- operators ---------------------------------------------------------------------------
@operator
class RemoveLock(Operator):
    name = "remove_lock"
    summary = "remove a `with lock:` (keep the body)"

    def applies(self, node: ast.AST) -> bool:
        return isinstance(node, ast.With) and any(is_lock_item(i) for i in node.items)

    def mutate(self, node: ast.With) -> ast.AST | list[ast.stmt]:
        rest = [i for i in node.items if not is_lock_item(i)]
        if len([i for i in node.items if is_lock_item(i)]) > 1:
            first = next(i for i in node.items if is_lock_item(i))
            rest = [i for i in node.items if i is not first]
        return ast.With(items=rest, body=node.body) if rest else node.body


@operator
class SplitCriticalSection(Operator):
    name = "split_critical_section"
    summary = "split one critical section into two"

    def applies(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.With) and len(node.body) >= 2
                and all(is_lock_item(i) for i in node.items))

    def mutate(self, node: ast.With) -> list[ast.stmt]:
        half = len(node.body) // 2
        return [ast.With(items=copy.deepcopy(node.items), body=node.body[:half]),
                ast.With(items=node.items, body=node.body[half:])]


@operator
class CheckOutsideLock(Operator):
    name = "check_outside_lock"
    summary = "move a check out of the lock it guards"

    def applies(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.With) and all(is_lock_item(i) for i in node.items)
                and len(node.body) >= 2 and isinstance(node.body[0], ast.If))

    def mutate(self, node: ast.With) -> list[ast.stmt]:
        return [node.body[0], ast.With(items=node.items, body=node.body[1:])]


@operator
class WhileToIf(Operator):
    name = "while_to_if"
    summary = "`while` -> `if` around `Condition.wait`"

    def applies(self, node: ast.AST) -> bool:
        return isinstance(node, ast.While) and not node.orelse and any(
            _method_call(n, "wait") for stmt in node.body for n in ast.walk(stmt))

    def mutate(self, node: ast.While) -> ast.If:
        return ast.If(test=node.test, body=node.body, orelse=[])


@operator
class WaitForWithoutRecheck(Operator):
    name = "wait_for_without_recheck"
    summary = "`Condition.wait_for(pred)` -> one `wait()` without checking again (`if`, not `while`)"

    def applies(self, node: ast.AST) -> bool:
        return _method_call(node, "wait_for") and bool(node.args)  # type: ignore[attr-defined]

    def mutate(self, node: ast.Call) -> ast.AST:
        predicate, timeout = node.args[0], node.args[1:] + [k.value for k in node.keywords]
        wait = ast.Call(func=ast.Attribute(value=node.func.value, attr="wait"),  # type: ignore[attr-defined]
                        args=timeout[:1], keywords=[])
        once = ast.Call(func=predicate, args=[], keywords=[])
        return ast.BoolOp(op=ast.Or(), values=[once, wait, ast.Constant(True)])


@operator
class NotifyAllToNotify(Operator):
    name = "notify_all_to_notify"
    summary = "`notify_all()` -> `notify()`"

    def applies(self, node: ast.AST) -> bool:
        return _method_call(node, "notify_all", "notifyAll")

    def mutate(self, node: ast.Call) -> ast.Call:
        node.func.attr = "notify"  # type: ignore[attr-defined]
        return node


@operator
class DropNotify(Operator):
    name = "drop_notify"
    summary = "drop a `notify()` / `notify_all()`"

    def applies(self, node: ast.AST) -> bool:
        return _statement_call(node, "notify", "notify_all", "notifyAll")

    def mutate(self, node: ast.AST) -> None:
        return None


@operator
class SwapLockOrder(Operator):
    name = "swap_lock_order"
    summary = "swap the order two locks are taken in"

    def applies(self, node: ast.AST) -> bool:
        if not isinstance(node, ast.With):
            return False
        if len(node.items) >= 2 and all(is_lock_item(i) for i in node.items[:2]):
            return True
        return (len(node.items) == 1 and is_lock_item(node.items[0]) and len(node.body) == 1
                and isinstance(node.body[0], ast.With) and len(node.body[0].items) == 1
                and is_lock_item(node.body[0].items[0]))

    def mutate(self, node: ast.With) -> ast.With:
        if len(node.items) >= 2:
            node.items[0], node.items[1] = node.items[1], node.items[0]
        else:
            inner = node.body[0]
            node.items, inner.items = inner.items, node.items  # type: ignore[attr-defined]
        return node


@operator
class WaitToSleepPoll(Operator):
    name = "wait_to_sleep_poll"
    summary = "`Event.wait(t)` / `Condition.wait(t)` / `Queue.get(timeout=t)` -> a `time.sleep` poll"
    imports = ("time",)

    def applies(self, node: ast.AST) -> bool:
        if _method_call(node, "wait") and (node.args or node.keywords):  # type: ignore[attr-defined]
            return True
        return _method_call(node, "get") and any(k.arg == "timeout" for k in node.keywords)  # type: ignore[attr-defined]

    def mutate(self, node: ast.Call) -> ast.AST:
        # sleep a little, then look once more without waiting: a busy-waiting poll
        sleep = ast.parse("time.sleep(0.001)", mode="eval").body
        if node.func.attr == "get":  # type: ignore[attr-defined]
            look = ast.Call(func=node.func, args=[ast.Constant(False)], keywords=[])
        else:
            look = ast.Call(func=node.func, args=[ast.Constant(0)], keywords=[])
        return ast.BoolOp(op=ast.Or(), values=[sleep, look])


@operator
class UnlockedSharedValue(Operator):
    name = "unlocked_shared_value"
    summary = "`lock=False` for a locked shared `Value` / `Array`"

    def applies(self, node: ast.AST) -> bool:
        return (_callee(node) in ("Value", "Array")
                and not any(k.arg == "lock" and isinstance(k.value, ast.Constant) and k.value.value is False
                            for k in node.keywords))  # type: ignore[attr-defined]

    def mutate(self, node: ast.Call) -> ast.Call:
        node.keywords = [k for k in node.keywords if k.arg != "lock"] + [
            ast.keyword(arg="lock", value=ast.Constant(False))]
        return node


@operator
class DropJoin(Operator):
    name = "drop_join"
    summary = "drop a `join()`"

    def applies(self, node: ast.AST) -> bool:
        return _statement_call(node, "join")

    def mutate(self, node: ast.AST) -> None:
        return None


@operator
class DropClose(Operator):
    name = "drop_close"
    summary = "drop a `close()`"

    def applies(self, node: ast.AST) -> bool:
        return _statement_call(node, "close", "unlink")

    def mutate(self, node: ast.AST) -> None:
        return None


@operator
class DropMainGuard(Operator):
    name = "drop_main_guard"
    summary = "drop the `if __name__ == \"__main__\":` guard"

    def applies(self, node: ast.AST) -> bool:
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)):
            return False
        parts = [node.test.left, *node.test.comparators]
        return any(isinstance(p, ast.Name) and p.id == "__name__" for p in parts) and any(
            isinstance(p, ast.Constant) and p.value == "__main__" for p in parts)

    def mutate(self, node: ast.If) -> list[ast.stmt]:
        return node.body


_THREAD_POOLS = {"ProcessPoolExecutor": "ThreadPoolExecutor", "Pool": "ThreadPool"}


@operator
class ProcessesToThreads(Operator):
    name = "processes_to_threads"
    summary = "`ProcessPoolExecutor` -> `ThreadPoolExecutor`, `multiprocessing.Pool` -> `ThreadPool`"

    def applies(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _callee(node) in _THREAD_POOLS

    def imports_for(self, node: ast.AST) -> tuple[str, ...]:
        return ("concurrent.futures",) if _callee(node) == "ProcessPoolExecutor" else ("multiprocessing.pool",)

    def mutate(self, node: ast.Call) -> ast.Call:
        name = _callee(node)
        module = "concurrent.futures" if name == "ProcessPoolExecutor" else "multiprocessing.pool"
        func = ast.parse(f"{module}.{_THREAD_POOLS[name]}", mode="eval").body
        keywords = [k for k in node.keywords if k.arg not in ("mp_context", "context")]
        args = node.args[:1]
        return ast.Call(func=func, args=args, keywords=keywords)


@operator
class UnboundedPool(Operator):
    name = "unbounded_pool"
    summary = "a pool with far more workers than asked for"

    def applies(self, node: ast.AST) -> bool:
        return _callee(node) in ("ThreadPoolExecutor", "ProcessPoolExecutor", "Pool", "ThreadPool") and (
            bool(node.args) or any(k.arg in ("max_workers", "processes") for k in node.keywords))  # type: ignore[attr-defined]

    def mutate(self, node: ast.Call) -> ast.Call:
        many = ast.Constant(64)
        if node.args:
            node.args = [many, *node.args[1:]]
        node.keywords = [ast.keyword(arg=k.arg, value=many) if k.arg in ("max_workers", "processes") else k
                         for k in node.keywords]
        return node


@operator
class RemoveAsyncLimit(Operator):
    name = "remove_async_limit"
    summary = "remove an `async with semaphore:` (gather without a limit)"

    def applies(self, node: ast.AST) -> bool:
        return isinstance(node, ast.AsyncWith) and any(is_lock_item(i) for i in node.items)

    def mutate(self, node: ast.AsyncWith) -> list[ast.stmt]:
        return node.body


@operator
class UnboundedSemaphore(Operator):
    name = "unbounded_semaphore"
    summary = "a `Semaphore(n)` that never blocks"

    def applies(self, node: ast.AST) -> bool:
        return _callee(node) in ("Semaphore", "BoundedSemaphore") and bool(node.args)  # type: ignore[attr-defined]

    def mutate(self, node: ast.Call) -> ast.Call:
        node.args = [ast.Constant(10**9), *node.args[1:]]
        return node


@operator
class BlockingSleep(Operator):
    name = "blocking_sleep"
    summary = "`await asyncio.sleep(t)` -> `time.sleep(t)` (blocks the event loop)"
    imports = ("time",)

    def applies(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Await) and _callee(node.value) == "sleep"

    def mutate(self, node: ast.Await) -> ast.Call:
        call: ast.Call = node.value  # type: ignore[assignment]
        func = ast.parse("time.sleep", mode="eval").body
        return ast.Call(func=func, args=call.args, keywords=[])


def names() -> list[str]:
    return list(OPERATORS)
