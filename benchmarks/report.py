"""Results: what each benchmark measured, against its target, written to
``results.json`` (kept between runs, so ``--only 3`` updates one section)
and rendered to ``RESULTS.md``."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Written by hand, kept across runs: appended to RESULTS.md after the generated sections.
NOTES = HERE / "NOTES.md"


@dataclass
class Target:
    what: str
    goal: str
    measured: str
    met: bool | None  # None: not measured


@dataclass
class Result:
    number: int
    title: str
    # Rows of a table: the first row is the header.
    table: list[list[str]]
    targets: list[Target]
    notes: list[str] = field(default_factory=list)
    # Raw figures, for the smoke test and for anyone reading results.json.
    figures: dict[str, Any] = field(default_factory=dict)
    sizes: str = ""
    seconds: float = 0.0
    when: str = ""
    machine: dict[str, str] = field(default_factory=dict)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "synapse": _version("matrix-synapse"),
        "aiohttp": _version("aiohttp"),
        "matrix-nio": _version("matrix-nio"),
        "load": " / ".join(f"{x:.2f}" for x in load),
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def stamp(result: Result, seconds: float) -> Result:
    result.seconds = seconds
    result.when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    result.machine = machine()
    return result


def save(results: list[Result], directory: Path, preamble: str) -> Path:
    """Merge into ``directory/results.json`` and rewrite ``RESULTS.md``."""
    directory.mkdir(parents=True, exist_ok=True)
    store = directory / "results.json"
    merged: dict[str, Any] = {}
    if store.exists():
        try:
            merged = json.loads(store.read_text())
        except ValueError:
            merged = {}
    for result in results:
        merged[str(result.number)] = asdict(result)
    store.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    path = directory / "RESULTS.md"
    text = render([_load(v) for _, v in sorted(merged.items(), key=lambda kv: int(kv[0]))], preamble)
    path.write_text(text + _notes())
    return path


def _notes() -> str:
    """NOTES.md without its opening comment, after a blank line; empty without one."""
    if not NOTES.exists():
        return ""
    text = NOTES.read_text()
    if text.startswith("<!--"):
        text = text.split("-->", 1)[1]
    return "\n" + text.strip() + "\n"


def _load(raw: dict[str, Any]) -> Result:
    raw = dict(raw)
    raw["targets"] = [Target(**t) for t in raw.get("targets", [])]
    return Result(**raw)


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def render(results: list[Result], preamble: str) -> str:
    lines = ["# Benchmark results", "", preamble.strip(), "", "## Targets at a glance", ""]
    lines += ["| # | target | goal | measured | |", "|---|---|---|---|---|"]
    for result in results:
        for target in result.targets:
            lines.append(
                f"| {result.number} | {target.what} | {target.goal} | {target.measured} | {_mark(target.met)} |"
            )
    for result in results:
        lines += ["", f"## {result.number}. {result.title}", ""]
        lines.append(f"Run {result.when}, {result.seconds:.0f} s; sizes: {result.sizes}.")
        m = result.machine
        if m:
            lines.append(
                f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; "
                f"{m.get('os')}; Python {m.get('python')}, SQLite {m.get('sqlite')}, "
                f"Synapse {m.get('synapse')}, aiohttp {m.get('aiohttp')}, matrix-nio {m.get('matrix-nio')}; "
                f"load average at the end {m.get('load')}."
            )
        lines.append("")
        if result.table:
            header, *rows = result.table
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
        for target in result.targets:
            lines.append(f"- Target: {target.what}, {target.goal}: measured {target.measured}, {_mark(target.met)}.")
        for note in result.notes:
            lines.append(f"- {note}")
    return "\n".join(lines) + "\n"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"
