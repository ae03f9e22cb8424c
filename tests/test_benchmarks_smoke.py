"""Every benchmark still runs: ``python -m benchmarks --smoke`` at tiny sizes.

No timing is asserted here (timings belong to benchmarks/RESULTS.md); only
that each benchmark produced its figures, and that the suggestions served
equal the naive reference's.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.postgres import PostgresMissing, server_bindir
from tests.databases import sqlite_only

# The benchmarks make their own stores (a SQLite file, a throwaway PostgreSQL
# server), whatever the suite runs on: a second pass would measure nothing new.
pytestmark = [pytest.mark.homeserver, sqlite_only("the benchmarks measure the default SQLite store")]

ROOT = Path(__file__).resolve().parent.parent


def _postgres_installed() -> bool:
    try:
        server_bindir()
    except PostgresMissing:
        return False
    return True


def test_every_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    # `make test` installs PostgreSQL's server before its second pass; a first
    # pass on a fresh machine may run before that, and then measures SQLite alone.
    postgres = _postgres_installed()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--smoke",
            "--results-dir",
            str(tmp_path),
            "--postgres" if postgres else "--no-postgres",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert sorted(results, key=int) == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    for number, result in results.items():
        assert result["targets"], number
        assert all(target["measured"] for target in result["targets"]), number
        assert result["machine"]["cores"], number

    def finite(value: float) -> bool:
        return isinstance(value, (int, float)) and math.isfinite(value) and value > 0

    figures = {number: result["figures"] for number, result in results.items()}
    assert finite(figures["1"]["p50_ratio"]) and finite(figures["1"]["kindred_ms"]["p50"])
    assert finite(figures["2"]["kindred_rate"]) and finite(figures["2"]["floor_rate"])
    assert finite(figures["3"]["latency_ms"]["p50"]) and finite(figures["3"]["naive_ms"])
    assert figures["3"]["checked"] > 0 and figures["3"]["mismatches"] == 0, results["3"]["notes"]
    assert finite(figures["3"]["engine_ms"]["p50"]) and finite(figures["3"]["numpy_ms"]["p50"])
    # The engine and the floor answer the same question alike for every viewer.
    assert figures["3"]["engine_floor_agree"] == figures["3"]["engine_ms"]["n"]
    assert all(finite(figures["4"][name]["kindred_rps"]) for name in ("suggestions", "discover"))
    if postgres:
        assert finite(figures["1"]["postgresql"]["kindred_ms"]["p50"])
        assert finite(figures["3"]["postgresql"]["latency_ms"]["p50"])
        assert all(finite(figures["4"][name]["postgresql_rps"]) for name in ("suggestions", "discover", "me"))
        assert finite(figures["4"]["scale_out"]["two_rps"])
    assert finite(figures["5"]["4"]["p50_ratio"])
    assert finite(figures["6"]["answer_ms"]["p50"]) and finite(figures["6"]["rss_mb"])
    assert figures["6"]["rooms_seen"] >= 5
    assert finite(figures["7"]["p50_ratio"]) and finite(figures["7"]["kindred_answer_ms"]["p50"])
    assert finite(figures["8"]["large"]["ratio"]) and finite(figures["8"]["scale"]["seconds"])
    assert figures["8"]["scale"]["unpaired"] == 0
    assert finite(figures["9"]["p50_ratio"]) and finite(figures["9"]["page_ms"]["p50"])
    assert "## 3. Suggestions at scale" in (tmp_path / "RESULTS.md").read_text()
