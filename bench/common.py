"""Helpers shared by the benchmark sections: timing statistics, memory, the gold rule."""

from __future__ import annotations

import argparse

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from newsqa.types import Document

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench"
#: Indexes whose real passages (and vectors) seed the synthetic archives (section 1 builds them).
POOLS = (WORK / "drcd-newsqa", WORK / "crud")


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result)`` of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def rss_bytes() -> int:
    """Resident set size of this process now."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_rank(row: dict[str, Any], passages: list[tuple[Document | None, int, int]], depth: int = 10) -> int | None:
    """1-based rank of the first gold passage (``evals.metrics`` rule) among ``(document, start, end)``."""
    from newsqa.evals.metrics import gold_of

    gold = gold_of(row)
    for rank, (document, start, end) in enumerate(passages[:depth], 1):
        if gold.passage_is_gold(document, start, end):
            return rank
    return None


def hit_mrr(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "load_avg_start": os.getloadavg()}


def archive_arguments(description: str, limit: int) -> argparse.ArgumentParser:
    """The options of a bench run over one synthetic archive size (``bench.scale``, ``bench.milvus``):
    ``--size``, ``--pool`` (indexes whose real passages seed it), ``--questions``, ``--limit``, ``--out``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--pool", type=Path, action="append", required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=limit)
    parser.add_argument("--out", type=Path, required=True)
    return parser


def archive_run(module: str, size: int, limit: int, *extra: str) -> dict[str, Any]:
    """``python -m <module>`` (``bench.scale``, ``bench.milvus``) over one archive size, in a
    subprocess of its own so that its peak memory is this size's alone: its JSON result with
    ``wall_s``, or ``{"error": its last lines}``. Pools that exist and ``WORK/questions.jsonl``
    are passed as ``archive_arguments`` reads them."""
    target = WORK / f"{module.rsplit('.', 1)[-1]}-{size}.json"
    command = [sys.executable, "-m", module, "--size", str(size), "--questions", str(WORK / "questions.jsonl"),
               "--limit", str(limit), "--out", str(target), *extra]
    for pool in POOLS:
        if (pool / "CURRENT").exists():
            command += ["--pool", str(pool)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-5:]}
    return json.loads(target.read_text()) | {"wall_s": time.perf_counter() - started}

