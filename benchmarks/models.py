"""Serial, threads, processes and asyncio on this machine: the numbers behind docs/choosing.md.

For a CPU-bound batch (pure-Python prime counting) and an I/O-bound batch
(50 ms waits), each model runs the same tasks with the same number of workers;
the models are timed round by round with the e20 reference ``compare`` (warm-up,
interleaved repeats, median).  Then the cost of one worker: start-up time and
memory.  Pools are started before the timed rounds, so start-up is its own row.

Usage: python benchmarks/models.py [--workers 4] [--tasks 8] [--repeats 3] [--write]
(``--write`` replaces the table in docs/choosing.md between its markers).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import multiprocessing
import os
import platform
import statistics
import sys
import sysconfig
import threading
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "choosing.md"
BEGIN, END = "<!-- models:begin -->", "<!-- models:end -->"
IO_WAIT = 0.05


def _load_compare() -> Callable:
    """The e20 reference ``compare``: the kit measures itself with the method it teaches."""
    spec = importlib.util.spec_from_file_location("e20_bench", ROOT / "solutions" / "e20_benchmark" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building Timing
    spec.loader.exec_module(module)
    return module.compare


def count_primes(limit: int) -> int:
    """CPU-bound and pure Python: holds the GIL the whole time."""
    return sum(all(n % d for d in range(2, int(n**0.5) + 1)) for n in range(2, limit))


def wait_for_io(_: int) -> int:
    """I/O-bound: a sleep releases the GIL, like a socket read."""
    time.sleep(IO_WAIT)
    return 0


async def wait_for_io_async(_: int) -> int:
    await asyncio.sleep(IO_WAIT)
    return 0


def _idle() -> None:
    """A worker that does nothing: what starting one costs."""


def batches(tasks: list[int], workers: int, threads: ThreadPoolExecutor,
            processes: ProcessPoolExecutor) -> dict[str, dict[str, Callable[[], object]]]:
    """For each kind of work, one candidate per model; every call runs the whole batch."""
    def asyncio_cpu() -> object:
        async def main():
            async def one(n):
                return count_primes(n)
            return await asyncio.gather(*(one(n) for n in tasks))
        return asyncio.run(main())

    def asyncio_io() -> object:
        async def main():
            limit = asyncio.Semaphore(workers)

            async def one(n):
                async with limit:
                    return await wait_for_io_async(n)
            return await asyncio.gather(*(one(n) for n in tasks))
        return asyncio.run(main())

    io = [0] * len(tasks)
    return {
        "cpu": {"serial": lambda: [count_primes(n) for n in tasks],
                "threads": lambda: list(threads.map(count_primes, tasks)),
                "processes": lambda: list(processes.map(count_primes, tasks)),
                "asyncio": asyncio_cpu},
        "io": {"serial": lambda: [wait_for_io(n) for n in io],
               "threads": lambda: list(threads.map(wait_for_io, io)),
               "processes": lambda: list(processes.map(wait_for_io, io)),
               "asyncio": asyncio_io},
    }


def start_costs(samples: int = 5) -> dict[str, float]:
    """Seconds to start and finish one idle worker, median of ``samples``."""
    def thread() -> None:
        t = threading.Thread(target=_idle)
        t.start()
        t.join()

    def process(method: str) -> Callable[[], None]:
        ctx = multiprocessing.get_context(method)

        def start() -> None:
            p = ctx.Process(target=_idle)
            p.start()
            p.join()
        return start

    def task() -> None:
        async def main():
            await asyncio.create_task(asyncio.sleep(0))
        asyncio.run(main())

    kinds = {"threads": thread, "processes": process("spawn"), "asyncio": task}
    if "fork" in multiprocessing.get_all_start_methods():
        kinds["processes (fork)"] = process("fork")
    costs = {}
    for name, start in kinds.items():
        times = []
        for _ in range(samples):
            t0 = time.perf_counter()
            start()
            times.append(time.perf_counter() - t0)
        costs[name] = statistics.median(times)
    # asyncio.run builds a loop each time: one task alone costs far less; measure 1000 in one loop.
    async def many():
        await asyncio.gather(*(asyncio.sleep(0) for _ in range(1000)))
    t0 = time.perf_counter()
    asyncio.run(many())
    costs["asyncio"] = (time.perf_counter() - t0) / 1000
    return costs


def memory_costs(n: int = 50) -> dict[str, float]:
    """Bytes per worker: unique memory of a spawned process, RSS growth per thread, heap per task."""
    me = psutil.Process()
    gate = threading.Event()
    before = me.memory_info().rss
    pool = [threading.Thread(target=gate.wait) for _ in range(n)]
    for t in pool:
        t.start()
    per_thread = max(0, me.memory_info().rss - before) / n
    gate.set()
    for t in pool:
        t.join()

    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    child = ctx.Process(target=stop.wait)
    child.start()
    time.sleep(0.5)  # let the interpreter finish starting
    per_process = float(psutil.Process(child.pid).memory_full_info().uss)
    stop.set()
    child.join()

    async def tasks():
        gate = asyncio.Event()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        running = [asyncio.create_task(gate.wait()) for _ in range(1000)]
        await asyncio.sleep(0)
        used = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        gate.set()
        await asyncio.gather(*running)
        return used / 1000
    return {"threads": per_thread, "processes": per_process, "asyncio": asyncio.run(tasks())}


def human(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.1f} ms"


def size(n: float) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def measure(workers: int, tasks: int, repeats: int, limit: int) -> str:
    compare = _load_compare()
    work = [limit] * tasks
    with ThreadPoolExecutor(workers) as threads, \
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as processes:
        list(processes.map(count_primes, [10] * workers))  # the workers are up before any round
        timings = {kind: compare(candidates, repeats=repeats, warmup=1)
                   for kind, candidates in batches(work, workers, threads, processes).items()}
    starts, memory = start_costs(), memory_costs()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    lines = [
        f"Measured by `python benchmarks/models.py` on {platform.python_implementation()} "
        f"{platform.python_version()} ({'GIL enabled' if gil else 'free-threaded, GIL disabled'}"
        f"{', free-threaded build' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''}), "
        f"{cpus} usable CPUs, load average {load}; {tasks} tasks, {workers} workers, median of "
        f"{repeats} interleaved rounds after a warm-up.",
        "",
        f"| model | CPU-bound: {tasks} x primes below {limit} | speed-up | I/O-bound: {tasks} x "
        f"{IO_WAIT * 1000:.0f} ms wait | speed-up | start one worker | memory per worker |",
        "|---|---|---|---|---|---|---|",
    ]
    cpu_serial, io_serial = timings["cpu"]["serial"].median, timings["io"]["serial"].median
    for model in ("serial", "threads", "processes", "asyncio"):
        cpu, io = timings["cpu"][model], timings["io"][model]
        start = human(starts[model]) if model in starts else "-"
        if model == "processes" and "processes (fork)" in starts:
            start += f" (spawn), {human(starts['processes (fork)'])} (fork)"
        mem = size(memory[model]) if model in memory else "-"
        lines.append(f"| {model} | {cpu.median:.3f} s ± {cpu.spread:.3f} | {cpu_serial / cpu.median:.2f}x "
                     f"| {io.median:.3f} s ± {io.spread:.3f} | {io_serial / io.median:.2f}x | {start} | {mem} |")
    lines += ["", "(± is the spread, slowest minus fastest round; memory: RSS growth per blocked "
              "thread, unique memory (USS) of one idle spawned process, heap per pending asyncio task)"]
    return "\n".join(lines)


def write_guide(table: str, guide: Path = GUIDE) -> None:
    text = guide.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{guide}: no {BEGIN} ... {END} markers. Fix: add them where the table goes")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    guide.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=20_000, help="primes below this per CPU task")
    parser.add_argument("--write", action="store_true", help=f"update the table in {GUIDE.relative_to(ROOT)}")
    args = parser.parse_args()
    if min(args.workers, args.tasks, args.repeats, args.limit) < 1:
        parser.error("--workers, --tasks, --repeats and --limit must be at least 1")
    table = measure(args.workers, args.tasks, args.repeats, args.limit)
    print(table)
    if args.write:
        write_guide(table)
        print(f"\nwrote the table into {GUIDE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
