"""newsqa's benchmark: one run, side by side with the stock LangChain recipe and the hardware.

``make bench`` (= ``python -m bench --quick``) prints a table and writes ``bench/results.json``.
Every figure is a median or percentile over repeated runs, or a ratio of two measurements
taken back to back in the same process, so a busy machine skews both sides alike.

Sections (issue 7):

1. **stock** — on ``../shared/data/drcd_dev`` (``--quick``: every 4th article and up to
   300 of its questions, the same subset every run): the LangChain tutorial recipe
   (``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` with its default
   separators, ``HuggingFaceEmbeddings`` on the same model folder, ``FAISS.from_documents``,
   ``similarity_search(k=5)``) against newsqa's ingest and ``NewsQA.ask`` (retrieval +
   rerank + extractive answer): ingest characters/s, query p50/p95, hit@5 and MRR@10 with
   the eval gold rule (``newsqa.evals.metrics``). Questions alternate between the two.
2. **encode** — newsqa's end-to-end ingest throughput over raw ``model.encode`` of exactly
   the passages it embedded (the machine's embedding limit).
3. **reindex** — re-ingest of the unchanged 500-article ``crud_news`` archive: seconds and
   vectors encoded (median of 5; the first build is cached in ``var/bench/crud``).
4. **scale** — ``bench/scale.py`` in a subprocess per size (10k, 100k; ``--full`` adds 1M):
   ``NewsQA.ask`` p50/p95, dense recall@10 against exact search, bytes per chunk, peak RSS.
5. **memory** / 6. **cold start** — ``newsqa serve`` on the bundled corpus: seconds from
   the command to the first ``/ask`` answer, and the server's peak RSS (median of 3).
7. **milvus** — ``bench/milvus.py`` in a subprocess per size (10k, 100k): the same archive in
   FAISS and in Milvus (a ``milvus-lite server``): ask and first-stage p50/p95, publish rate,
   open time, hit@5/MRR@10, disk bytes per passage.

Usage::

    python -m bench --quick                 # what `make bench` runs (< 15 min on 2 cores)
    python -m bench --full                  # all of DRCD, 1M chunks (about an hour)
    python -m bench --quick --only stock,reindex
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, WORK, archive_run, gold_rank, hit_mrr, load_jsonl, machine, median, percentile
from bench.int8 import section_int8
from bench.milvus import milvus_rows, section_milvus

SECTIONS = ("stock", "reindex", "scale", "serve", "milvus")
STOCK_CHUNK_SIZE, STOCK_CHUNK_OVERLAP = 1000, 200

logger = logging.getLogger("bench")


def _settings(index_dir: Path, **overrides: Any):
    from newsqa.config import Settings

    return Settings.load(index_dir=str(index_dir), **overrides)


# ---------------------------------------------------------------------------- 1 + 2
def _subset(data: Path, quick: bool) -> tuple[Path, list[dict[str, Any]]]:
    """The DRCD articles folder to use and its questions (quick: every 4th article, ≤300 questions)."""
    src = data / "drcd_dev"
    rows = load_jsonl(src / "qa.jsonl")
    if not quick:
        return src / "articles", rows
    files = sorted((src / "articles").glob("*.md"))[::4]
    folder = WORK / "drcd-quick" / "articles"
    if not folder.is_dir() or sorted(p.name for p in folder.iterdir()) != [f.name for f in files]:
        shutil.rmtree(folder.parent, ignore_errors=True)
        folder.mkdir(parents=True)
        for f in files:
            shutil.copyfile(f, folder / f.name)
    names = {f.name for f in files}
    rows = [r for r in rows if r.get("article") in names and r.get("answerable", True)]
    step = max(1, len(rows) // 300)
    return folder, rows[::step][:300]


def _stock_embeddings(model_dir: str):
    """``HuggingFaceEmbeddings`` from langchain-huggingface, else langchain-community's (same class)."""
    try:
        from langchain_huggingface import HuggingFaceEmbeddings

        source = "langchain_huggingface"
    except ImportError:
        from langchain_community.embeddings import HuggingFaceEmbeddings

        source = "langchain_community"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return HuggingFaceEmbeddings(model_name=model_dir), source


def _stock_ingest(folder: Path, embeddings) -> tuple[Any, int, int]:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document as LCDocument
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [
        LCDocument(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
        for p in sorted(folder.glob("*.md"))
    ]
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=STOCK_CHUNK_SIZE, chunk_overlap=STOCK_CHUNK_OVERLAP, add_start_index=True
    )
    chunks = splitter.split_documents(docs)
    store = FAISS.from_documents(chunks, embeddings)
    return store, len(chunks), sum(len(d.page_content) for d in docs)


@dataclass(slots=True)
class _IngestTimes:
    """Section 1's ingest runs: seconds per repeat for each side and for raw ``model.encode``."""

    stock_s: list[float] = field(default_factory=list)
    newsqa_s: list[float] = field(default_factory=list)
    raw_s: list[float] = field(default_factory=list)
    store: Any = None  # the stock recipe's FAISS store, from its last ingest
    chars: int = 0
    stock_chunks: int = 0
    newsqa_chunks: int = 0


@dataclass(slots=True)
class _QuestionTimes:
    """Section 1's questions: milliseconds and gold ranks for each side."""

    stock_ms: list[float] = field(default_factory=list)
    newsqa_ms: list[float] = field(default_factory=list)
    stock_ranks: list[int | None] = field(default_factory=list)
    newsqa_ranks: list[int | None] = field(default_factory=list)


def section_stock(data: Path, quick: bool, repeats: int, bf16: bool = False) -> dict[str, Any]:
    """Sections 1 and 2: the stock recipe vs newsqa on DRCD dev; newsqa ingest vs raw encode."""
    folder, rows = _subset(data, quick)
    (WORK / "questions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    settings = _settings(WORK / "drcd-newsqa")
    embeddings, stock_source = _stock_embeddings(settings.embedding_model_ref)
    embeddings.embed_query("預熱")  # load both models before timing
    from newsqa.index.embedder import Embedder

    warm = Embedder.from_settings(settings)
    warm.embed_query("預熱")
    warm.model  # torch's model embeds the passages: loaded before the ingest is timed

    ingests = _time_ingests(folder, settings, embeddings, repeats)
    asked = _time_questions(folder, rows, settings, ingests.store)
    stock_ingest, newsqa_ingest, raw = median(ingests.stock_s), median(ingests.newsqa_s), median(ingests.raw_s)
    chars = ingests.chars
    return {
        "articles": len(list(folder.glob("*.md"))),
        "characters": chars,
        "questions": len(rows),
        "repeats": repeats,
        "stock": {
            "embeddings_class": stock_source,
            "query_torch_threads": settings.embedding_query_threads,
            "chunks": ingests.stock_chunks,
            "ingest_s": stock_ingest,
            "chars_per_s": chars / stock_ingest,
            "query_ms_p50": percentile(asked.stock_ms, 50),
            "query_ms_p95": percentile(asked.stock_ms, 95),
            **hit_mrr(asked.stock_ranks),
        },
        "newsqa": {
            "chunks": ingests.newsqa_chunks,
            "ingest_s": newsqa_ingest,
            "chars_per_s": chars / newsqa_ingest,
            "answer_ms_p50": percentile(asked.newsqa_ms, 50),
            "answer_ms_p95": percentile(asked.newsqa_ms, 95),
            **hit_mrr(asked.newsqa_ranks),
        },
        "newsqa_bf16": _bf16_run(folder, rows, chars) if bf16 else {},
        "passages": section_int8(folder, rows, chars, repeats, _settings, _newsqa_rank),
        "encode": {
            "raw_encode_s": raw,
            "newsqa_ingest_s": newsqa_ingest,
            "ratio": raw / newsqa_ingest,
            "chunks": ingests.newsqa_chunks,
        },
    }


def _time_ingests(folder: Path, settings, embeddings, repeats: int) -> _IngestTimes:
    """Ingest ``folder`` ``repeats`` times with each recipe (alternating which goes first), and
    time raw ``model.encode`` of the passages newsqa embedded after each round."""
    from newsqa.ingest.pipeline import ingest_paths
    from newsqa.qa.pipeline import NewsQA

    times = _IngestTimes()
    for rep in range(repeats):
        for side in (("stock", "newsqa") if rep % 2 == 0 else ("newsqa", "stock")):
            if side == "stock":
                started = time.perf_counter()
                times.store, times.stock_chunks, times.chars = _stock_ingest(folder, embeddings)
                times.stock_s.append(time.perf_counter() - started)
            else:
                shutil.rmtree(settings.index_path, ignore_errors=True)
                started = time.perf_counter()
                report = ingest_paths([folder], settings, rebuild=True, show_progress=False)
                times.newsqa_s.append(time.perf_counter() - started)
                times.newsqa_chunks = report.chunks_total
        qa = NewsQA.from_settings(settings)
        texts = [c.embed_text for c in qa.index.chunks.values()]
        model = qa.index.embedder.model
        started = time.perf_counter()
        model.encode(texts, prompt_name="passage", batch_size=settings.embedding_batch_size,
                     normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        times.raw_s.append(time.perf_counter() - started)
    return times


def _time_questions(folder: Path, rows: list[dict[str, Any]], settings, store) -> _QuestionTimes:
    """Ask every question of both sides (alternating which goes first): time and gold rank."""
    from newsqa.index.embedder import _torch_threads
    from newsqa.qa.pipeline import NewsQA
    from newsqa.types import Document

    qa = NewsQA.from_settings(settings)
    raw_docs: dict[str, Document] = {}

    def raw_document(name: str) -> Document:
        if name not in raw_docs:
            raw_docs[name] = Document(doc_id=name, title="", text=(folder / name).read_text(encoding="utf-8"),
                                      source_file=name)
        return raw_docs[name]

    # The stock side encodes its questions with as many torch threads as newsqa does
    # (embedding_query_threads): with torch's default, busy cores would slow it 3-20x and
    # flatter newsqa. Ingest runs with torch's default threads on both sides.
    def stock_search(q: str, k: int):
        with _torch_threads(settings.embedding_query_threads):
            return store.similarity_search(q, k=k)

    for row in rows[:3]:  # warm-up
        qa.ask(row["question"])
        stock_search(row["question"], 5)
    times = _QuestionTimes()
    for i, row in enumerate(rows):
        q = row["question"]
        for side in (("stock", "newsqa") if i % 2 == 0 else ("newsqa", "stock")):
            started = time.perf_counter()
            if side == "stock":  # k=10 for MRR@10; its top 5 is the k=5 result, at the same cost
                hits = stock_search(q, 10)
                times.stock_ms.append((time.perf_counter() - started) * 1000)
            else:
                answer = qa.ask(q)
                times.newsqa_ms.append((time.perf_counter() - started) * 1000)
                times.newsqa_ranks.append(_newsqa_rank(row, answer))
        times.stock_ranks.append(gold_rank(row, [
            (raw_document(d.metadata["source"]), d.metadata["start_index"], d.metadata["start_index"] + len(d.page_content))
            for d in hits
        ]))
    return times


def _newsqa_rank(row: dict[str, Any], answer) -> int | None:
    """The rank of the first gold passage among what ``NewsQA.ask`` retrieved."""
    return gold_rank(row, [(rc.document, rc.chunk.start, rc.chunk.end) for rc in answer.retrieved])


def _bf16_run(folder: Path, rows: list[dict[str, Any]], chars: int) -> dict[str, Any]:
    """The opt-in bfloat16 embedding (embedding_dtype): same ingest and questions, its own index."""
    from newsqa.index.embedder import Embedder
    from newsqa.ingest.pipeline import ingest_paths
    from newsqa.qa.pipeline import NewsQA

    bf16_settings = _settings(WORK / "drcd-newsqa-bf16", embedding_dtype="bfloat16")
    Embedder.from_settings(bf16_settings).model  # loaded before the timed ingest
    shutil.rmtree(bf16_settings.index_path, ignore_errors=True)
    started = time.perf_counter()
    ingest_paths([folder], bf16_settings, rebuild=True, show_progress=False)
    bf16_ingest = time.perf_counter() - started
    qa16 = NewsQA.from_settings(bf16_settings)
    ms16, ranks16 = [], []
    for row in rows:
        started = time.perf_counter()
        answer = qa16.ask(row["question"])
        ms16.append((time.perf_counter() - started) * 1000)
        ranks16.append(_newsqa_rank(row, answer))
    return {"ingest_s": bf16_ingest, "chars_per_s": chars / bf16_ingest,
            "answer_ms_p50": percentile(ms16, 50), "answer_ms_p95": percentile(ms16, 95), **hit_mrr(ranks16)}


# ---------------------------------------------------------------------------- 3
def section_reindex(data: Path, repeats: int = 5) -> dict[str, Any]:
    from newsqa.ingest.pipeline import ingest_paths

    corpus = data / "crud_news" / "articles"
    index_dir = WORK / "crud"
    settings = _settings(index_dir)
    started = time.perf_counter()
    first = ingest_paths([corpus], settings, show_progress=False)
    first_s = time.perf_counter() - started
    times, encoded = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        report = ingest_paths([corpus], settings, show_progress=False)
        times.append(time.perf_counter() - started)
        encoded.append(report.chunks_embedded)
    started = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-m", "newsqa.cli", "ingest", "-q", "--index", str(index_dir), str(corpus)],
        capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    cli_s = time.perf_counter() - started
    return {
        "articles": first.documents_total,
        "chunks": first.chunks_total,
        "first_run_s": first_s,
        "first_run_embedded": first.chunks_embedded,
        "reindex_s_median": median(times),
        "reindex_s_all": times,
        "vectors_encoded": max(encoded),
        "cli_wall_s": cli_s,
        "cli_output": cli.stdout.strip(),
    }


# ---------------------------------------------------------------------------- 4
def section_scale(sizes: list[int], limit: int) -> dict[str, Any]:
    return {str(size): archive_run("bench.scale", size, limit, "--storages", "fp16,pq" if size == max(sizes) else "")
            for size in sizes}


# ---------------------------------------------------------------------------- 5 + 6
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss(pid: int) -> int:
    """VmHWM of a process and its children (bytes)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def section_serve(repeats: int = 3, question: str = "上海自貿區是哪一天掛牌的？") -> dict[str, Any]:
    from gradio_client import Client  # imported before the clock starts

    index_dir = WORK / "serve-index"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "NEWSQA_INDEX_DIR": str(index_dir)}
    subprocess.run([sys.executable, "-m", "newsqa.cli", "ingest", "-q", "--rebuild"], cwd=ROOT, env=env,
                   capture_output=True, check=True)
    colds, peaks, errors = [], [], []
    for _ in range(repeats):
        port = _free_port()
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "newsqa.cli", "serve", "-q", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            answer = None
            while time.perf_counter() - started < 120 and proc.poll() is None:
                try:
                    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                    answer = client.predict(question, api_name="/ask")
                    break
                except Exception:  # not up yet
                    time.sleep(0.2)
            if answer is None:
                errors.append((proc.stderr.read().decode()[-500:] if proc.poll() is not None else "timeout"))
                continue
            colds.append(time.perf_counter() - started)
            peaks.append(_peak_rss(proc.pid))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {
        "cold_start_s_median": median(colds),
        "cold_start_s_all": colds,
        "peak_rss_bytes_median": median(peaks),
        "errors": errors,
    }


# ---------------------------------------------------------------------------- table
def _row(section: str, metric: str, value: str, reference: str = "", goal: str = "", met: bool | None = None):
    return {"section": section, "metric": metric, "newsqa": value, "reference": reference, "goal": goal,
            "met": None if met is None else bool(met)}


def _gib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 2**30:.2f} GiB"  # a figure blanked as unsound


def table_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    s = results.get("stock")
    if s and "error" not in s:
        st, nq, enc = s["stock"], s["newsqa"], s["encode"]
        scope = f"drcd_dev {s['articles']} art., {s['questions']} q."
        rows.append(_row(f"1 vs stock ({scope})", "hit@5", f"{nq['hit@5']:.3f}", f"{st['hit@5']:.3f}", "≥ 0.97",
                         nq["hit@5"] >= 0.97))
        rows.append(_row("", "MRR@10", f"{nq['mrr@10']:.3f}", f"{st['mrr@10']:.3f}"))
        rows.append(_row("", "ingest chars/s (chunks)", f"{nq['chars_per_s']:.0f} ({nq['chunks']})",
                         f"{st['chars_per_s']:.0f} ({st['chunks']})", "≥ stock", nq["chars_per_s"] >= st["chars_per_s"]))
        rows.append(_row("", "answer p50 / p95 ms (stock: retrieval only)",
                         f"{nq['answer_ms_p50']:.0f} / {nq['answer_ms_p95']:.0f}",
                         f"{st['query_ms_p50']:.0f} / {st['query_ms_p95']:.0f}", "p50 ≤ stock p50",
                         nq["answer_ms_p50"] <= st["query_ms_p50"]))
        b16 = s.get("newsqa_bf16") or {}
        if b16:
            rows.append(_row("", "opt-in embedding_dtype=bfloat16: chars/s, hit@5, MRR@10, p50 ms",
                             f"{b16['chars_per_s']:.0f}, {b16['hit@5']:.3f}, {b16['mrr@10']:.3f}, {b16['answer_ms_p50']:.0f}",
                             f"{st['chars_per_s']:.0f} chars/s", "≥ stock", b16["chars_per_s"] >= st["chars_per_s"]))
        p = s.get("passages") or {}
        if p:
            t, q = p["torch"], p["onnx-int8"]
            rows.append(_row("", "passages torch: chars/s, passages/s, peak RSS, hit@5, MRR@10",
                             f"{t['chars_per_s']:.0f}, {t['passages_per_s']:.1f}, {_gib(t['peak_rss_bytes'])}, "
                             f"{t['hit@5']:.3f}, {t['mrr@10']:.3f}", f"{st['chars_per_s']:.0f} chars/s"))
            rows.append(_row("", "passages onnx-int8: chars/s, passages/s, peak RSS, hit@5, MRR@10",
                             f"{q['chars_per_s']:.0f}, {q['passages_per_s']:.1f}, {_gib(q['peak_rss_bytes'])}, "
                             f"{q['hit@5']:.3f}, {q['mrr@10']:.3f}",
                             f"{q['chars_per_s'] / st['chars_per_s']:.2f}× stock, {p['speedup']:.2f}× torch",
                             "≥ 1.1× stock", q["chars_per_s"] >= 1.1 * st["chars_per_s"]))
        rows.append(_row("2 ingest vs raw encode", "throughput ratio", f"{enc['ratio']:.2f}",
                         f"raw {enc['raw_encode_s']:.0f} s, ingest {enc['newsqa_ingest_s']:.0f} s", "≥ 0.8",
                         enc["ratio"] >= 0.8))
    r = results.get("reindex")
    if r and "error" not in r:
        rows.append(_row(f"3 re-index ({r['articles']} unchanged)", "seconds (median of 5) / vectors encoded",
                         f"{r['reindex_s_median']:.2f} s / {r['vectors_encoded']}", f"CLI wall {r['cli_wall_s']:.1f} s",
                         "< 1 s, 0", r["reindex_s_median"] < 1 and r["vectors_encoded"] == 0))
    for size, sc in (results.get("scale") or {}).items():
        n = int(size)
        label = f"4 scale {n // 1000}k" if n < 1_000_000 else f"4 scale {n // 1_000_000}M"
        if "error" in sc:
            rows.append(_row(label, "error", "; ".join(sc["error"])))
            continue
        goal_ms = 50 if n <= 10_000 else 150
        goal = f"p50 ≤ {goal_ms} ms" if n in (10_000, 1_000_000) else ""
        rows.append(_row(label, f"ask p50 / p95 ms ({sc['dense_kind']}/{sc['dense_storage']})",
                         f"{sc['ask_ms_p50']:.0f} / {sc['ask_ms_p95']:.0f}",
                         (f"question encoding alone {sc['embed_query_ms_p50']:.0f} ms; " if "embed_query_ms_p50" in sc else "")
                         + f"dense {sc['dense_ms_p50']:.1f} ms, exact {sc['exact_dense_ms_p50']:.1f} ms",
                         goal, sc["ask_ms_p50"] <= goal_ms if goal else None))
        if sc["dense_kind"] != "flat":
            rows.append(_row("", "dense recall@10 vs exact", f"{sc['recall@10']:.3f}", f"nprobe {sc['ivf_nprobe']}",
                             "≥ 0.95", sc["recall@10"] >= 0.95))
        mem = sc["memory"]
        rows.append(_row("", "bytes/chunk: dense / BM25 / all (RSS)",
                         f"{mem['dense_bytes_per_chunk']:.0f} / {mem['bm25_bytes_per_chunk']:.0f} / {mem['rss_bytes_per_chunk']:.0f}",
                         f"index process {mem['serve_rss_bytes'] / 2**30:.2f} GiB; BM25 build {sc['bm25_build_s']:.0f} s",
                         "fits 8 GB" if n >= 1_000_000 else "",
                         mem["serve_rss_bytes"] < 8 * 2**30 if n >= 1_000_000 else None))
        for name, v in (sc.get("storages") or {}).items():
            rows.append(_row("", f"{name}: bytes/chunk, recall@10", f"{v['bytes_per_chunk']:.0f}, {v['recall@10']:.3f}",
                             f"dense {v['dense_ms_p50']:.1f} ms"))
    sv = results.get("serve")
    if sv and "error" not in sv:
        rows.append(_row("5 memory", "peak RSS of serve (bundled corpus)",
                         f"{sv['peak_rss_bytes_median'] / 2**20:.0f} MiB"))
        rows.append(_row("6 cold start", "serve → first answer (median of 3)", f"{sv['cold_start_s_median']:.1f} s", "",
                         "≤ 15 s", sv["cold_start_s_median"] <= 15))
    rows += milvus_rows(results, _row)
    for name in SECTIONS:
        if isinstance(results.get(name), dict) and "error" in results[name]:
            rows.append(_row(name, "error", results[name]["error"][-200:]))
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    head = "| section | metric | newsqa | reference | goal | met |\n|---|---|---|---|---|---|"
    lines = [head]
    for r in rows:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['section']} | {r['metric']} | {r['newsqa']} | {r['reference']} | {r['goal']} | {met} |")
    return "\n".join(lines)


def report_run(name: str, argv: list[str] | None, compute: Callable[[], dict[str, Any]],
               rows_of: Callable[[dict[str, Any]], list[dict[str, Any]]], out: Path) -> dict[str, Any]:
    """A bench of its own (``python -m bench.<name>``: the page, the soak): ``compute()`` timed,
    with the date, command and the machine's load before and after, its table (``rows_of``),
    written to ``out`` as JSON and printed with a summary line; returns the result."""
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": f"python -m bench.{name} " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
    }
    result.update(compute())
    result["machine"]["load_avg_end"] = os.getloadavg()
    result["wall_s"] = time.perf_counter() - started
    result["table"] = rows_of(result)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(format_table(result["table"]))
    m = result["machine"]
    print(f"\n{result['date']}, {m['nproc']} cores ({m['cpu']}), load {m['load_avg_start'][0]:.1f}→"
          f"{m['load_avg_end'][0]:.1f}; {result['wall_s']:.0f} s in all; written to {out}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="newsqa benchmark (issue 7)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="DRCD subset, 10k/100k chunks (default)")
    mode.add_argument("--full", action="store_true", help="all of DRCD dev, up to 1M chunks")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--sizes", default=None, help="scale sizes (default 10000,100000; --full adds 1000000)")
    parser.add_argument("--repeats", type=int, default=None, help="ingest repeats in section 1 (default 1 quick, 2 full)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--bf16", action="store_true",
                        help="also measure the opt-in embedding_dtype=bfloat16 in section 1 (on with --full; ~3 min)")
    parser.add_argument("--merge", action="store_true",
                        help="update --out with the sections run (scale sizes are added), keep the rest")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    quick = not args.full
    sizes = [int(s) for s in (args.sizes or ("10000,100000" if quick else "10000,100000,1000000")).split(",")]
    only = set(args.only.split(","))
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "mode": "quick" if quick else "full",
        "machine": machine(),
    }
    previous: dict[str, Any] = {}
    if args.merge and args.out.exists():
        previous = json.loads(args.out.read_text())
        results = {**previous, "machine": {**previous.get("machine", {}), "merged": results}}
    steps = [
        ("stock", lambda: section_stock(args.data, quick, args.repeats or (1 if quick else 2), args.bf16 or not quick)),
        ("reindex", lambda: section_reindex(args.data)),
        ("scale", lambda: section_scale(sizes, 100 if quick else 200)),
        ("serve", lambda: section_serve()),
        ("milvus", lambda: section_milvus(sizes[:2], 100 if quick else 200)),
    ]
    for name, step in steps:
        if name not in only:
            continue
        started = time.perf_counter()
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        try:
            results[name] = step()
            if name in ("scale", "milvus") and isinstance(previous.get(name), dict):  # sizes add up
                results[name] = {**previous[name], **results[name]}
        except Exception as exc:  # one broken section must not hide the others
            logger.exception("section %s failed", name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"[bench] {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    results["machine"].setdefault("load_avg_end", os.getloadavg())
    results["table"] = table_rows(results)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(format_table(results["table"]))
    print(f"\n{results['date']}, {results['machine']['nproc']} cores ({results['machine']['cpu']}), "
          f"load {results['machine']['load_avg_start'][0]:.1f}→{results['machine']['load_avg_end'][0]:.1f}; "
          f"written to {args.out}")
    return 0
