"""Geometry for the pages' SVG charts: plain numbers, drawn (and escaped) by the templates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from grader.results import Speed, Trace


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Mark:
    """A vertical reference line (ideal, Amdahl) on a horizontal bar chart."""

    x: float
    label: str


@dataclass(frozen=True)
class SpeedChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...]


LABEL_W, BAR_H, GAP, CHART_W = 90, 22, 8, 420


def speed_chart(speed: Speed) -> SpeedChart:
    """Bars of seconds per run, with where ideal scaling and Amdahl's law would put them."""
    serial = next((r.seconds for r in speed.runs if r.label == "serial"), None)
    marks: list[tuple[float, str]] = []
    if serial is not None and speed.cpus > 1:
        marks.append((serial / speed.cpus, f"ideal ({speed.cpus} CPUs)"))
        if speed.parallel_fraction is not None:
            p = speed.parallel_fraction
            marks.append((serial * ((1 - p) + p / speed.cpus), f"Amdahl (p={p:g})"))
    longest = max([r.seconds for r in speed.runs] + [m[0] for m in marks] + [1e-9])
    scale = CHART_W / longest
    bars = []
    for i, run in enumerate(speed.runs):
        ratio = f", {serial / run.seconds:.2f}x" if serial and run.seconds and run.label != "serial" else ""
        bars.append(Bar(LABEL_W, i * (BAR_H + GAP), run.seconds * scale, BAR_H, run.label,
                        f"{run.seconds:.3f} s{ratio}"))
    height = len(bars) * (BAR_H + GAP) + 16 + 14 * len(marks)
    return SpeedChart(LABEL_W + CHART_W + 130, height, tuple(bars),
                      tuple(Mark(LABEL_W + s * scale, label) for s, label in marks))


@dataclass(frozen=True)
class Lane:
    """One row of a lane diagram: the step sits in its thread's column."""

    column: int
    action: str
    detail: str
    location: str
    key: bool


def lanes(trace: Trace) -> list[Lane]:
    threads = lane_threads(trace)
    return [Lane(threads.index(s.thread), s.action, s.detail, s.location, s.key) for s in trace.steps]


def lane_threads(trace: Trace) -> list[str]:
    threads = list(trace.threads)
    threads += [s.thread for s in trace.steps if s.thread not in threads]
    return list(dict.fromkeys(threads))


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Cycle:
    size: int
    nodes: tuple[Node, ...]
    #: arrows as (x1, y1, x2, y2): node i waits for node i+1
    arrows: tuple[tuple[float, float, float, float], ...]


def cycle(threads: tuple[str, ...], size: int = 220) -> Cycle:
    """A deadlock's wait-for cycle as nodes on a ring, each with an arrow to the next."""
    n, c, r = len(threads), size / 2, size / 2 - 40
    nodes = tuple(Node(c + r * math.cos(2 * math.pi * i / n - math.pi / 2),
                       c + r * math.sin(2 * math.pi * i / n - math.pi / 2), t)
                  for i, t in enumerate(threads))
    arrows = []
    for i, a in enumerate(nodes):
        b = nodes[(i + 1) % n]
        dx, dy = b.x - a.x, b.y - a.y
        d = math.hypot(dx, dy) or 1.0
        shrink = 24 / d  # stop at the node circles
        arrows.append((a.x + dx * shrink, a.y + dy * shrink, b.x - dx * shrink, b.y - dy * shrink))
    return Cycle(size, nodes, tuple(arrows))


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    bars: tuple[Bar, ...]


def histogram(percents: list[float], buckets: int = 10) -> Histogram:
    """Students per score band (0-10 %, ..., 90-100 %)."""
    counts = [0] * buckets
    for p in percents:
        counts[min(buckets - 1, max(0, int(p * buckets)))] += 1
    top, bar_w, plot_h, pad = max(counts + [1]), 44, 160, 24
    bars = tuple(Bar(30 + i * (bar_w + 6), pad + plot_h - plot_h * n / top, bar_w, plot_h * n / top,
                     f"{100 * i // buckets}–{100 * (i + 1) // buckets}", str(n))
                 for i, n in enumerate(counts))
    return Histogram(30 + buckets * (bar_w + 6), pad + plot_h + 40, bars)
