"""Section 1's passage encoders side by side (issue 18): torch and the int8 ONNX encoder.

In the run of section 1 (the same DRCD subset, the same process, right after the stock recipe
was timed), each backend ingests the folder ``repeats`` times into its own index, alternating
which goes first; the figures are chars/s and passages/s, and the hit@5 / MRR@10 of the same
questions asked of each index. Peak memory is each backend's own: one ``newsqa ingest``
subprocess per backend reports its own ``VmHWM`` (a process's peak cannot be reset, so the
bench process's own would mix the two).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, WORK, hit_mrr, median

BACKENDS = ("torch", "onnx-int8")


_REPORT_PEAK = (
    "import atexit, sys\n"
    "def report():\n"
    "    peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')]\n"
    "    sys.stderr.write('NEWSQA_PEAK_KB ' + peak[0].split()[1] + '\\n')\n"
    "atexit.register(report)\n"
    "from newsqa.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _ingest_peak_rss(folder: Path, backend: str) -> int:
    """Peak RSS (bytes) of one ``newsqa ingest --rebuild`` of ``folder`` in a subprocess: its
    ``VmHWM`` read at exit (per address space, so the pages of this process that a fork copies
    before the exec are not counted, as ``ru_maxrss`` would count them)."""
    index = WORK / f"int8-rss-{backend}"
    shutil.rmtree(index, ignore_errors=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSQA_EMBEDDING_PASSAGE_BACKEND": backend}
    done = subprocess.run([sys.executable, "-c", _REPORT_PEAK, "ingest", "-q", "--rebuild", "--index", str(index),
                           str(folder)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"newsqa ingest with {backend} passages exited with {done.returncode}: {done.stderr[-500:]}")
    peak = [line for line in done.stderr.splitlines() if line.startswith("NEWSQA_PEAK_KB ")]
    return int(peak[-1].split()[1]) * 1024


def section_int8(folder: Path, rows: list[dict[str, Any]], chars: int, repeats: int, settings_for, rank_of) -> dict[str, Any]:
    """Torch and int8 passages: ingest chars/s and passages/s (medians), hit@5 and MRR@10, peak RSS.
    ``settings_for(index_dir, **overrides)`` makes the settings; ``rank_of(row, answer)`` the gold rank."""
    from newsqa.index.embedder import Embedder
    from newsqa.ingest.pipeline import ingest_paths
    from newsqa.qa.pipeline import NewsQA

    settings = {b: settings_for(WORK / f"drcd-passages-{b}", embedding_passage_backend=b) for b in BACKENDS}
    for backend, s in settings.items():  # models loaded before anything is timed
        embedder = Embedder.from_settings(s)
        embedder.passage_encoder() if backend == "onnx-int8" else embedder.model
    seconds: dict[str, list[float]] = {b: [] for b in BACKENDS}
    passages: dict[str, int] = {}
    for rep in range(repeats):
        for backend in BACKENDS if rep % 2 == 0 else BACKENDS[::-1]:
            shutil.rmtree(settings[backend].index_path, ignore_errors=True)
            started = time.perf_counter()
            report = ingest_paths([folder], settings[backend], rebuild=True, show_progress=False)
            seconds[backend].append(time.perf_counter() - started)
            passages[backend] = report.chunks_total
    result: dict[str, Any] = {"repeats": repeats}
    for backend in BACKENDS:
        qa = NewsQA.from_settings(settings[backend])
        ranks = [rank_of(row, qa.ask(row["question"])) for row in rows]
        ingest_s = median(seconds[backend])
        result[backend] = {
            "ingest_s": ingest_s, "chars_per_s": chars / ingest_s, "passages_per_s": passages[backend] / ingest_s,
            "passages": passages[backend], "peak_rss_bytes": _ingest_peak_rss(folder, backend), **hit_mrr(ranks),
        }
    result["speedup"] = result["torch"]["ingest_s"] / result["onnx-int8"]["ingest_s"]
    return result
