"""Soak test: concurrent clients against a real ``newsqa serve`` while a re-ingest runs (issue 12).

``make soak`` (= ``python -m bench.soak``; not part of ``make test``) does, on 127.0.0.1 only:

1. indexes the article archive (default: the 500 files of ``../shared/data/crud_news/articles``)
   once into ``var/bench/soak/base-index`` (later runs re-use it: an unchanged archive is not
   embedded again) and copies that index into a temporary folder;
2. starts ``newsqa serve --no-build`` on that copy on a free 127.0.0.1 port, in a subprocess;
3. runs ``--clients`` threads, each with its own ``gradio_client.Client``, asking ``/ask``
   real questions made from the articles' sentences (a number or year in a sentence becomes
   「多少」/「哪一年」; half of them in Traditional script) for ``--seconds``;
4. after the warm-up (``--warmup``, default a sixth of the run) starts ``newsqa ingest`` in
   a subprocess on a copy of the archive in which ``--changed`` articles gained a sentence
   with a unique marker (「青鸟行动第N组的志愿者共计M人。」), while a probe thread asks about
   those markers to see when the new generation is first served (the server's log line
   "switched to index generation" is timed as well). If the clients stop before the
   re-ingest ends, the probe goes on alone, up to a minute after it ended;
5. samples the server's RSS (``VmRSS`` of ``/proc/<pid>/status``) every second.

It prints requests, errors, client-side p50/p95/max (queueing included), server-side
p50/p95/max (the answer's ``latency_ms``), when the new generation was first served, and
the server's RSS at start, after the warm-up and at the end, with the growth after the
warm-up (it should stay within 10 %), and writes everything to ``bench/soak.json``.

Usage::

    python -m bench.soak                                   # 16 clients, 180 s, 50 changed articles
    python -m bench.soak --clients 4 --seconds 30 --changed 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, WORK, percentile
from bench.run import _free_port, _row, report_run
from bench.soak_articles import MARKER_PREFIX, build_questions, change_articles

logger = logging.getLogger("bench.soak")

DEFAULT_ARTICLES = ROOT.parent / "shared" / "data" / "crud_news" / "articles"
HOST = "127.0.0.1"  # the soak never listens beyond this machine
STARTUP_TIMEOUT = 300.0
REQUEST_TIMEOUT = 120.0
PROBE_INTERVAL = 0.5
PROBE_GRACE = 60.0  # seconds the probe goes on after the re-ingest ended, if the clients stopped first
INGEST_TIMEOUT = 900.0
RSS_GROWTH_LIMIT = 0.10


# ---------------------------------------------------------------------------- processes
def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "PYTHONUNBUFFERED": "1", **extra}
    for name in ("NEWSQA_INDEX_DIR", "NEWSQA_SERVE_AUTH_USER", "NEWSQA_SERVE_AUTH_PASSWORD", "GRADIO_SHARE"):
        if name not in extra:
            env.pop(name, None)
    return env


def _newsqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsqa.cli", *args]


def base_index(articles: Path, folder: Path) -> dict[str, Any]:
    """Index ``articles`` into ``folder`` (only new or changed articles are embedded; an
    index built by other settings is rebuilt); returns the ingest's wall time and output."""
    started = time.perf_counter()
    cmd = _newsqa("ingest", "-q", "--index", str(folder), str(articles))
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        logger.warning("ingest into %s failed (%s); rebuilding it", folder, done.stderr.strip()[-300:])
        done = subprocess.run(cmd[:4] + ["--rebuild"] + cmd[4:], env=_env(), capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"could not index {articles}: {done.stderr.strip()[-1000:]}")
    return {"seconds": time.perf_counter() - started, "output": done.stdout.strip()}


def rss_of(pid: int, field_name: str = "VmRSS") -> int | None:
    """``VmRSS`` (or another ``Vm*`` field) of a process in bytes; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


def wait_until_up(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = STARTUP_TIMEOUT) -> float:
    """Seconds until ``url`` answers 200; raises with the server's log if it exits or never does."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"newsqa serve exited with code {proc.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"newsqa serve did not answer on {url} within {timeout:.0f} s:\n{_tail(log_path)}")


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# ---------------------------------------------------------------------------- the run
@dataclass
class Record:
    started: float  # seconds since the clients started
    client_ms: float
    server_ms: float | None
    phase: str
    error: str | None = None


@dataclass
class Soak:
    """Shared state of one run: the clock, the phase, and what every thread recorded."""

    t0: float = field(default_factory=time.perf_counter)
    phase: str = "warmup"
    records: list[Record] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def _ask(client, question: str) -> dict[str, Any]:
    result = client.submit(question, api_name="/ask").result(timeout=REQUEST_TIMEOUT)
    if not isinstance(result, dict) or "answer" not in result:
        raise ValueError(f"not an /ask answer: {str(result)[:200]}")
    return result


def client_loop(url: str, questions: list[str], soak: Soak, deadline: float, seed: int) -> None:
    """Ask random questions until ``deadline`` (seconds on the soak's clock); record each."""
    rng = random.Random(seed)
    try:
        client = _client(url)
    except Exception as exc:  # noqa: BLE001 - a client that cannot connect is an error, not a crash
        soak.add(Record(soak.now(), 0.0, None, soak.phase, f"connect: {type(exc).__name__}: {exc}"[:300]))
        return
    while not soak.stop.is_set() and soak.now() < deadline:
        question = rng.choice(questions)
        phase, started = soak.phase, soak.now()
        try:
            result = _ask(client, question)
            soak.add(Record(started, (soak.now() - started) * 1000, float(result.get("latency_ms") or 0.0), phase))
        except Exception as exc:  # noqa: BLE001 - counted and reported
            soak.add(Record(started, (soak.now() - started) * 1000, None, phase, f"{type(exc).__name__}: {exc}"[:300]))


def probe_loop(url: str, changed: list[dict[str, Any]], soak: Soak, seen: dict[str, Any], start: threading.Event,
               done: threading.Event) -> None:
    """Once the re-ingest starts, ask about the changed articles' markers until an answer
    cites a new sentence (the new generation is served), or ``done`` is set."""
    if not changed:
        return
    client = _client(url)
    start.wait()
    i = 0
    while not done.is_set() and "probe_s" not in seen:
        item = changed[i % len(changed)]
        i += 1
        try:
            result = _ask(client, item["question"])
            seen["probe_requests"] = seen.get("probe_requests", 0) + 1
            cited = " ".join(c.get("text", "") for c in result.get("citations") or [])
            if MARKER_PREFIX in cited or MARKER_PREFIX in result.get("answer", ""):
                seen["probe_s"] = soak.now()
                seen["probe_answer"] = result.get("answer")
                return
        except Exception as exc:  # noqa: BLE001
            seen.setdefault("probe_errors", []).append(f"{type(exc).__name__}: {exc}"[:200])
        time.sleep(PROBE_INTERVAL)


def monitor_loop(pid: int, soak: Soak, rss: list[tuple[float, int]]) -> None:
    """The server's RSS, every second."""
    while not soak.stop.is_set():
        value = rss_of(pid)
        if value is not None:
            rss.append((soak.now(), value))
        soak.stop.wait(1.0)


_SWITCH_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d) INFO newsqa\.qa\.pipeline: switched to index generation", re.M)


def log_switch_time(log_path: Path, t0_wall: float) -> float | None:
    """Seconds from ``t0_wall`` (``time.time()``) to the server's first "switched to index
    generation" log line (its ``HH:MM:SS`` stamp, so ±1 s); None if it has none."""
    try:
        match = _SWITCH_LINE.search(log_path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    if match is None:
        return None
    start = dt.datetime.fromtimestamp(t0_wall)
    stamp = start.replace(hour=int(match[1]), minute=int(match[2]), second=int(match[3]), microsecond=0)
    seconds = (stamp - start).total_seconds()
    return seconds + 86400 if seconds < -43200 else seconds  # past midnight


def _stats(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "max": max(values) if values else float("nan")}


@dataclass
class _Workspace:
    """The run's temporary folder: a copy of the base index, the changed articles, the logs,
    and the environment both subprocesses run in."""

    tmp: Path
    index: Path
    changed_dir: Path
    log_path: Path
    changed: list[dict[str, Any]]
    env: dict[str, str]

    @property
    def ingest_log(self) -> Path:
        return self.tmp / "ingest.log"


@dataclass
class _Processes:
    """The subprocesses of a run, stopped at its end whatever happened."""

    server: subprocess.Popen
    ingest: subprocess.Popen | None = None


@dataclass
class _Observed:
    """What the clients, the probe and the monitor saw, and when the re-ingest ran."""

    soak: Soak
    warmup: float
    t0_wall: float
    seen: dict[str, Any]
    rss: list[tuple[float, int]]
    rss_warm: int | None
    requests_warm: int
    ingest_t0: float
    ingest_end: float
    rss_end: int | None
    rss_peak: int | None


def run(args: argparse.Namespace) -> dict[str, Any]:
    articles = args.articles.resolve()
    files = sorted(p for p in articles.rglob("*") if p.is_file() and not p.name.startswith("."))
    base = WORK / "soak" / "base-index"
    logger.warning("indexing %d articles of %s into %s (cached after the first run)…", len(files), articles, base)
    built = base_index(articles, base)
    questions = build_questions(files, args.seed)
    if not questions:
        raise RuntimeError(f"no questions could be made from {articles}")

    tmp = Path(tempfile.mkdtemp(prefix="newsqa-soak-"))
    index, changed_dir = tmp / "index", tmp / "changed"
    shutil.copytree(base, index, ignore=shutil.ignore_patterns("ingest.lock"))
    changed = change_articles(articles, changed_dir, args.changed, args.seed)
    env = _env(NEWSQA_INDEX_DIR=str(index), NEWSQA_CORPUS_DIR=str(changed_dir),
               NEWSQA_FEEDBACK_PATH=str(tmp / "feedback.jsonl"), NEWSQA_SERVE_ALLOW_EDITS="0")
    ws = _Workspace(tmp, index, changed_dir, tmp / "serve.log", changed, env)
    port = _free_port()
    url = f"http://{HOST}:{port}/"
    with ws.log_path.open("wb") as log:
        server = subprocess.Popen(_newsqa("serve", "--no-build", "--host", HOST, "--port", str(port)),
                                  env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    procs = _Processes(server)
    out: dict[str, Any] = {}
    try:
        startup_s = wait_until_up(url, server, ws.log_path)
        rss_start = rss_of(server.pid)
        logger.warning("serve up on %s in %.1f s (RSS %.0f MiB); %d clients for %d s, %d questions",
                       url, startup_s, (rss_start or 0) / 2**20, args.clients, args.seconds, len(questions))
        seen = _observe(args, ws, url, questions, procs)
        out = {
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup_s": seen.warmup,
            "articles": len(files),
            "questions": len(questions),
            "base_index": built,
            "startup_s": startup_s,
            **_results(args, ws, seen, procs.ingest, rss_start),
        }
        if out["ingest"]["exit_code"] != 0:
            logger.warning("the re-ingest exited with %s:\n%s", procs.ingest.returncode, _tail(ws.ingest_log))
        if server.poll() is not None:
            out["server_exit_code"] = server.returncode
            logger.error("newsqa serve exited during the run:\n%s", _tail(ws.log_path))
    finally:
        if procs.ingest is not None:
            stop(procs.ingest)
        stop(server)
        if args.keep:
            logger.warning("kept %s (index, changed articles, serve.log, ingest.log)", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _observe(args: argparse.Namespace, ws: _Workspace, url: str, questions: list[str], procs: _Processes) -> _Observed:
    """Run the clients, the probe and the RSS monitor for ``args.seconds``; after the warm-up,
    start the re-ingest of the changed articles (``procs.ingest``) and wait for it."""
    server = procs.server
    soak = Soak()
    deadline = float(args.seconds)
    warmup = args.warmup if args.warmup is not None else max(5.0, args.seconds / 6)
    rss: list[tuple[float, int]] = []
    seen: dict[str, Any] = {}
    ingest_started, probe_done = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=client_loop, args=(url, questions, soak, deadline, args.seed + i),
                         name=f"soak-client-{i}", daemon=True)
        for i in range(args.clients)
    ]
    probe = threading.Thread(target=probe_loop, args=(url, ws.changed, soak, seen, ingest_started, probe_done),
                             name="soak-probe", daemon=True)
    monitor = threading.Thread(target=monitor_loop, args=(server.pid, soak, rss), name="soak-monitor", daemon=True)
    soak.t0, t0_wall = time.perf_counter(), time.time()
    monitor.start()
    for thread in [*threads, probe]:
        thread.start()

    soak.stop.wait(warmup)
    rss_warm = rss_of(server.pid)
    requests_warm = len(soak.records)
    soak.phase = "ingest"
    ingest_t0 = soak.now()
    with ws.ingest_log.open("wb") as log:
        ingest = procs.ingest = subprocess.Popen(_newsqa("ingest", "--index", str(ws.index), str(ws.changed_dir)),
                                                 env=ws.env, stdout=log, stderr=subprocess.STDOUT, cwd=ws.tmp)
    ingest_started.set()
    logger.warning("warm-up done at %.0f s (%d requests, RSS %.0f MiB); re-ingest of %d changed articles started",
                   ingest_t0, requests_warm, (rss_warm or 0) / 2**20, len(ws.changed))
    ingest_end: float | None = None
    while soak.now() < deadline:
        if ingest_end is None and ingest.poll() is not None:
            ingest_end = soak.now()
            soak.phase = "after"
            logger.warning("re-ingest finished at %.0f s (exit %s)", ingest_end, ingest.returncode)
        time.sleep(0.2)
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 10)
    rss_end = rss_of(server.pid)
    rss_peak = rss_of(server.pid, "VmHWM")
    if ingest_end is None:  # the clients stopped first: the probe alone watches for the new generation
        try:
            ingest.wait(timeout=INGEST_TIMEOUT)
        except subprocess.TimeoutExpired:
            logger.error("the re-ingest did not finish within %.0f s; stopping it", INGEST_TIMEOUT)
            stop(ingest)
        ingest_end = soak.now()
        logger.warning("re-ingest finished after the clients, at %.0f s (exit %s)", ingest_end, ingest.returncode)
    probe.join(timeout=max(0.0, ingest_end + PROBE_GRACE - soak.now()))
    probe_done.set()
    probe.join(timeout=REQUEST_TIMEOUT + 10)
    soak.stop.set()
    monitor.join(timeout=5)
    return _Observed(soak, warmup, t0_wall, seen, rss, rss_warm, requests_warm, ingest_t0, ingest_end, rss_end, rss_peak)


def _results(args: argparse.Namespace, ws: _Workspace, o: _Observed, ingest: subprocess.Popen,
             rss_start: int | None) -> dict[str, Any]:
    """Requests, errors, latencies, the re-ingest, the new generation and RSS, as soak.json has them."""
    records = o.soak.records
    ok = [r for r in records if r.error is None]
    errors = [r for r in records if r.error is not None]
    growth = (o.rss_end - o.rss_warm) / o.rss_warm if o.rss_end and o.rss_warm else float("nan")
    seen = o.seen
    return {
        "requests": len(records),
        "requests_per_s": len(records) / float(args.seconds),
        "errors": len(errors),
        "error_samples": sorted({r.error for r in errors if r.error})[:10],
        "requests_by_phase": {p: sum(1 for r in records if r.phase == p) for p in ("warmup", "ingest", "after")},
        "errors_by_phase": {p: sum(1 for r in errors if r.phase == p) for p in ("warmup", "ingest", "after")},
        "client_ms": _stats([r.client_ms for r in ok]),
        "server_ms": _stats([r.server_ms for r in ok if r.server_ms is not None]),
        "server_ms_during_ingest": _stats([r.server_ms for r in ok if r.phase == "ingest" and r.server_ms is not None]),
        "ingest": {
            "changed": len(ws.changed),
            "started_s": o.ingest_t0,
            "finished_s": o.ingest_end,
            "seconds": o.ingest_end - o.ingest_t0,
            "exit_code": ingest.returncode,
            "output": _tail(ws.ingest_log, 5),
        },
        "new_generation": {
            "probe_first_served_s": seen.get("probe_s"),
            "after_ingest_start_s": seen["probe_s"] - o.ingest_t0 if "probe_s" in seen else None,
            "after_ingest_end_s": seen["probe_s"] - o.ingest_end if "probe_s" in seen else None,
            "log_switch_s": log_switch_time(ws.log_path, o.t0_wall),
            "probe_requests": seen.get("probe_requests", 0),
            "probe_errors": seen.get("probe_errors", [])[:5],
            "probe_answer": seen.get("probe_answer"),
        },
        "rss": {
            "start_bytes": rss_start,
            "after_warmup_bytes": o.rss_warm,
            "end_bytes": o.rss_end,
            "peak_bytes": o.rss_peak,
            "max_sampled_bytes": max((v for _, v in o.rss), default=None),
            "growth_after_warmup": growth,
            "requests_after_warmup": len(records) - o.requests_warm,
            "within_10pct": bool(growth <= RSS_GROWTH_LIMIT) if growth == growth else None,
            "samples": [(round(t, 1), v) for t, v in o.rss[:: max(1, len(o.rss) // 120)]],
        },
    }


# ---------------------------------------------------------------------------- report
def table_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    mib = 2**20
    rss, gen, ing = r["rss"], r["new_generation"], r["ingest"]
    scope = f"{r['clients']} clients × {r['seconds']} s, {r['articles']} articles"
    first = gen["after_ingest_end_s"]
    rows = [
        _row(f"soak ({scope})", "requests / errors", f"{r['requests']} / {r['errors']}",
             f"{r['requests_per_s']:.1f} req/s", "0 errors", r["errors"] == 0),
        _row("", "client ms p50 / p95 / max (queueing included)",
             f"{r['client_ms']['p50']:.0f} / {r['client_ms']['p95']:.0f} / {r['client_ms']['max']:.0f}"),
        _row("", "server ms p50 / p95 / max (latency_ms)",
             f"{r['server_ms']['p50']:.0f} / {r['server_ms']['p95']:.0f} / {r['server_ms']['max']:.0f}",
             f"during the re-ingest p50 {r['server_ms_during_ingest']['p50']:.0f}"),
        _row("", f"re-ingest of {ing['changed']} changed articles",
             f"{ing['seconds']:.0f} s (exit {ing['exit_code']})", f"started at {ing['started_s']:.0f} s"),
        _row("", "new generation first served",
             "never" if first is None else f"{gen['after_ingest_start_s']:.1f} s after the ingest started "
             f"({first:+.1f} s from its end)",
             "" if gen["log_switch_s"] is None else f"log: switched at {gen['log_switch_s']:.0f} s",
             "served", first is not None),
        _row("", "server RSS start / after warm-up / end (MiB)",
             " / ".join("?" if v is None else f"{v / mib:.0f}"
                        for v in (rss["start_bytes"], rss["after_warmup_bytes"], rss["end_bytes"])),
             f"peak {rss['peak_bytes'] / mib:.0f} MiB" if rss["peak_bytes"] else ""),
        _row("", "RSS growth after warm-up",
             f"{rss['growth_after_warmup'] * 100:+.1f} % over {rss['requests_after_warmup']} requests",
             "", "≤ 10 %", rss["within_10pct"]),
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Soak test: concurrent /ask clients against a real `newsqa serve` on 127.0.0.1 while a "
        "re-ingest of changed articles runs; prints requests, errors, latencies, when the new index "
        "generation was served and the server's RSS, and writes bench/soak.json.",
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent gradio_client clients (default 16)")
    parser.add_argument("--seconds", type=int, default=180, help="how long the clients ask (default 180)")
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES,
                        help="the archive folder (default ../shared/data/crud_news/articles, 500 files)")
    parser.add_argument("--changed", type=int, default=50, help="articles changed for the re-ingest (default 50)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds of warm-up before the re-ingest starts and RSS is taken (default: a sixth of --seconds, at least 5)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (index, logs)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "soak.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.clients < 1 or args.seconds < 1 or args.changed < 0:
        parser.error("--clients and --seconds must be at least 1, --changed at least 0")
    if not args.articles.is_dir() or not any(p.is_file() for p in args.articles.iterdir()):
        logger.warning("soak skipped: no articles at %s (the 500-article crud_news archive lives in "
                       "../shared/data; or pass --articles DIR)", args.articles)
        return 0
    result = report_run("soak", argv, lambda: run(args), table_rows, args.out)
    if result["error_samples"]:
        print("errors: " + "; ".join(result["error_samples"]))
    return 1 if result["errors"] or result.get("server_exit_code") is not None else 0


if __name__ == "__main__":
    raise SystemExit(main())
