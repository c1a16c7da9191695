"""The whole index in Milvus (``index_backend = "milvus"``) against a real ``milvus-lite server``.

Every test runs the same steps on the FAISS folder backend and on Milvus and compares
what each leaves: documents, chunks, copies, reports, and the candidates a question gets
(ranks and scores), so the Milvus backend is held to the FAISS backend's semantics.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest

from newsqa.config import Settings
from newsqa.index.access import delete_documents, index_exists, index_stamp, live_manifest, open_index, storage_for
from newsqa.index.errors import IndexBusyError, IndexNotFoundError
from newsqa.ingest.pipeline import ingest_paths
from newsqa.qa.pipeline import NewsQA
from newsqa.timex import DateRange

pytestmark = pytest.mark.slow

ARTICLES = {
    "pudong.txt": "浦東開發開放\n\n2020-04-18 人民網\n\n1990年4月18日，黨中央、國務院宣佈開發開放上海浦東。三十年來浦東的生產總值增長了兩百倍。\n",
    "suzhou.txt": "苏州工业园区\n\n2024-02-26 新华网\n\n苏州工业园区设立于1994年2月，是中国和新加坡两国政府的合作项目。\n",
    "hainan.txt": "海南自由貿易港\n\n2020-06-01 中央社\n\n《海南自由貿易港建設總體方案》於2020年6月1日公布，提出到2025年初步建立自由貿易港政策制度體系。\n",
    "typhoon.txt": "颱風杜蘇芮登陸福建\n\n2023-07-28 新華網\n\n颱風杜蘇芮於2023年7月28日上午在福建晉江沿海登陸，登陸時中心附近最大風力有15級。\n",
}
QUESTIONS = ["浦東開發開放始於哪一天？", "苏州工业园区是哪一年设立的？", "海南自由贸易港方案何时公布？",
             "杜蘇芮在哪裡登陸？", "自貿港"]


@pytest.fixture()
def corpus(article_folder):
    return article_folder(ARTICLES)


@pytest.fixture()
def backends(tmp_path, corpus, e5_model_dir, milvus_uri, milvus_prefix):
    """``(faiss settings, milvus settings)`` over the same corpus; Milvus's index folder stays empty."""
    common = {"corpus_dir": corpus, "embedding_model": str(e5_model_dir)}
    faiss = Settings.load(index_dir=tmp_path / "faiss", **common)
    milvus = Settings.load(index_dir=tmp_path / "milvus-work", index_backend="milvus", index_milvus_uri=milvus_uri,
                           index_milvus_collection=milvus_prefix, **common)
    return faiss, milvus


def _state(settings: Settings) -> dict:
    index = open_index(settings)
    return {
        "documents": {d: (doc.title, doc.date, doc.text) for d, doc in index.documents.items()},
        "chunks": sorted((c.chunk_id, c.text) for c in index.chunks.values()),
        "copies": dict(index.aliases),
        "counts": (live_manifest(settings)["documents"], live_manifest(settings)["chunks"]),
    }


def _candidates(settings: Settings, question: str, within: DateRange | None = None) -> list[tuple]:
    index = open_index(settings)
    found = index.search_candidates(question, dense_depth=5, bm25_depth=5, within=within, enough=2)
    return sorted((c.chunk.chunk_id, c.dense_rank, c.bm25_rank, round(c.dense_score or 0.0, 4),
                   round(c.bm25_score or 0.0, 4)) for c in found)


def _report(report) -> tuple:
    return (sorted(report.added), sorted(report.updated), sorted(report.unchanged), sorted(report.duplicates),
            sorted(report.removed), report.chunks_embedded, report.documents_total, report.chunks_total)


def _same(faiss: Settings, milvus: Settings) -> None:
    assert _state(milvus) == _state(faiss)
    for question in QUESTIONS:
        assert _candidates(milvus, question) == _candidates(faiss, question), question
    in_2020 = DateRange(since=dt.date(2020, 1, 1), until=dt.date(2020, 12, 31))  # Milvus filters as it searches
    for question in QUESTIONS[:3]:
        assert _candidates(milvus, question, in_2020) == _candidates(faiss, question, in_2020), question


def test_search_and_answers_match_the_faiss_backend(backends, corpus):
    faiss, milvus = backends
    assert not index_exists(milvus) and index_stamp(milvus) is None
    with pytest.raises(IndexNotFoundError, match="newsqa ingest"):
        open_index(milvus)
    assert _report(ingest_paths([corpus], milvus)) == _report(ingest_paths([corpus], faiss))
    _same(faiss, milvus)
    on_disk = list(milvus.index_path.iterdir()) if milvus.index_path.exists() else []
    assert not [p for p in on_disk if p.name != "uploads"]  # nothing of the index on disk
    index, reference = open_index(milvus), open_index(faiss)
    assert index.stats()["dense_kind"] == "milvus" and index.stats()["storage"].startswith("Milvus http://")
    tokens = ["自贸", "登陆", "浦东", "一九"]
    assert index.term_weights(tokens) == pytest.approx(reference.term_weights(tokens))
    assert [index.chunk_frequency(t) for t in tokens] == [reference.chunk_frequency(t) for t in tokens]
    storage = storage_for(milvus)
    for collection in [storage._state, *storage._generation_collections()]:
        storage.client.release_collection(collection)  # as after a Milvus restart: loaded again on use
    _same(faiss, milvus)
    from pydantic import SecretStr

    with_token = milvus.model_copy(update={"index_milvus_token": SecretStr("root:Milvus")})  # Lite accepts any
    assert sorted(open_index(with_token).documents) == sorted(ARTICLES)
    assert "root:" not in storage_for(with_token).where  # credentials stay out of every message
    for question in QUESTIONS[:4]:
        mine, theirs = NewsQA.from_settings(milvus).ask(question), NewsQA.from_settings(faiss).ask(question)
        assert (mine.answer, [c.doc_id for c in mine.citations]) == (theirs.answer, [c.doc_id for c in theirs.citations])


def test_upsert_sync_delete_and_copies_leave_what_faiss_leaves(backends, corpus):
    faiss, milvus = backends
    steps = [
        lambda s: ingest_paths([corpus], s),
        lambda s: ingest_paths([corpus], s),  # nothing changed: nothing is embedded or published
    ]
    for step in steps:
        before = index_stamp(milvus)
        assert _report(step(milvus)) == _report(step(faiss))
        _same(faiss, milvus)
    assert index_stamp(milvus) == before  # the unchanged re-ingest made no new generation

    (corpus / "suzhou.txt").write_text(ARTICLES["suzhou.txt"].replace("1994年2月", "1994年5月"), encoding="utf-8")
    (corpus / "pudong-copy.txt").write_text(ARTICLES["pudong.txt"], encoding="utf-8")  # a wire copy
    assert _report(ingest_paths([corpus], milvus)) == _report(ingest_paths([corpus], faiss))
    _same(faiss, milvus)
    assert _state(milvus)["copies"] == {"pudong-copy.txt": "pudong.txt"}
    assert any("1994年5月" in text for _, text in _state(milvus)["chunks"])

    (corpus / "hainan.txt").unlink()
    report = ingest_paths([corpus], milvus, sync=True)
    assert report.removed == ["hainan.txt"]
    assert _report(report) == _report(ingest_paths([corpus], faiss, sync=True))
    _same(faiss, milvus)

    assert delete_documents(["pudong.txt"], milvus) == delete_documents(["pudong.txt"], faiss)
    _same(faiss, milvus)
    assert "pudong.txt" not in _state(milvus)["documents"] and not _state(milvus)["copies"]

    rebuilt = ingest_paths([corpus], milvus, rebuild=True)
    assert _report(rebuilt) == _report(ingest_paths([corpus], faiss, rebuild=True))
    _same(faiss, milvus)
    storage = storage_for(milvus)
    generations = {c.rsplit("_", 1)[0] for c in storage._generation_collections()}
    assert len(generations) == 2  # the live generation and the one before it; older ones are dropped


def test_one_writer_at_a_time_through_a_lease(backends, corpus):
    _, milvus = backends
    ingest_paths([corpus], milvus)
    lease = 4.0  # renewed every 1.3 s: a busy machine would have to stall a thread 2.7 s to lose it
    short = milvus.model_copy(update={"index_milvus_lease_seconds": lease})
    from newsqa.index.milvus import MilvusStorage

    first = MilvusStorage(milvus.index_milvus_uri, milvus.index_milvus_collection, lease_seconds=lease)
    second = MilvusStorage(milvus.index_milvus_uri, milvus.index_milvus_collection, lease_seconds=lease)
    with first.lock():
        time.sleep(lease + 0.5)  # longer than the lease: the renewal keeps it
        with pytest.raises(IndexBusyError, match="another `newsqa ingest`.*wait for it to finish"):
            with second.lock():
                pass
        with pytest.raises(IndexBusyError):
            delete_documents(["pudong.txt"], short)
    with second.lock():  # released: the next writer gets it at once
        pass

    first._acquire()  # a writer that dies holding the lease (never renewed, never released)
    with pytest.raises(IndexBusyError):
        second._acquire()
    _wait_out_the_lease(second)
    second._acquire()  # the lease ran out: taken over
    with pytest.raises(IndexBusyError, match="lost the writer lease"):
        first._check_lease()  # the old holder may not publish
    second._release()
    assert "pudong.txt" in open_index(milvus).documents


def _wait_out_the_lease(storage) -> None:
    """Sleep until the lease its holder stopped renewing has run out."""
    held = storage._get_state("writer")
    if held is not None:
        time.sleep(max(0.0, held["expires"] - time.time()) + 0.3)


def _ingest_process(corpus, settings: Settings, crash_at: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSQA_EMBEDDING_MODEL": settings.embedding_model,
           "NEWSQA_INDEX_BACKEND": "milvus", "NEWSQA_INDEX_MILVUS_URI": settings.index_milvus_uri,
           "NEWSQA_INDEX_MILVUS_COLLECTION": settings.index_milvus_collection,
           "NEWSQA_INDEX_MILVUS_LEASE_SECONDS": "6", "NEWSQA_CRASH_AT": crash_at}
    return subprocess.run(
        [sys.executable, "-m", "newsqa.cli", "ingest", str(corpus), "--index", str(settings.index_path)],
        env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize("crash_at", ["save:vectors-written", "save:generation-written", "save:pointer-swapped"])
def test_sigkill_during_a_milvus_ingest_leaves_the_live_generation(backends, corpus, tmp_path, crash_at):
    _, milvus = backends
    only_pudong = tmp_path / "first"
    only_pudong.mkdir()
    (only_pudong / "pudong.txt").write_text(ARTICLES["pudong.txt"], encoding="utf-8")
    ingest_paths([only_pudong], milvus)
    live = storage_for(milvus).live()

    done = _ingest_process(corpus, milvus, crash_at)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    settings = milvus.model_copy(update={"index_milvus_lease_seconds": 3.0})
    with pytest.raises(IndexBusyError):  # the dead writer's lease (6 s, renewed every 2 s) has not run out
        ingest_paths([corpus], settings)
    published = crash_at == "save:pointer-swapped"
    assert (storage_for(milvus).live() != live) == published
    index = open_index(milvus)  # loadable at once, from the generation that was live
    assert ("suzhou.txt" in index.documents) == published
    assert "1990年4月18日" in NewsQA.from_settings(milvus).ask("浦東開發開放始於哪一天？").answer

    _wait_out_the_lease(storage_for(settings))
    report = ingest_paths([corpus], settings)  # the next run completes the work and clears the leftovers
    assert report.ok and set(open_index(milvus).documents) == set(ARTICLES)
    generations = {c.rsplit("_", 1)[0] for c in storage_for(milvus)._generation_collections()}
    assert len(generations) <= 2


def test_without_a_server_uri_the_index_is_a_milvus_lite_file_in_the_index_folder(tmp_path, corpus, e5_model_dir):
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir),
                             index_backend="milvus")
    ingest_paths([corpus], settings)
    assert (tmp_path / "index" / "milvus.db").exists()
    assert sorted(open_index(settings).documents) == sorted(ARTICLES)
    assert "1994年2月" in NewsQA.from_settings(settings).ask("苏州工业园区是什么时候设立的？").answer


def test_a_faiss_index_folder_copies_into_milvus_without_embedding(backends, corpus, monkeypatch, capsys):
    from newsqa.cli import main
    from newsqa.index.embedder import Embedder

    faiss, milvus = backends
    ingest_paths([corpus], faiss)

    def embedded_again(*args, **kwargs):
        raise AssertionError("the copy embedded passages again")

    for name, value in {"NEWSQA_INDEX_BACKEND": "milvus", "NEWSQA_INDEX_MILVUS_URI": milvus.index_milvus_uri,
                        "NEWSQA_INDEX_MILVUS_COLLECTION": milvus.index_milvus_collection,
                        "NEWSQA_EMBEDDING_MODEL": milvus.embedding_model}.items():
        monkeypatch.setenv(name, value)
    with monkeypatch.context() as patched:
        patched.setattr(Embedder, "embed_passages", embedded_again)
        assert main(["ingest", "--from-index", str(faiss.index_path), "--index", str(milvus.index_path), "-q"]) == 0
        assert "nothing was embedded" in capsys.readouterr().out
        _same(faiss, milvus)
        assert ingest_paths([corpus], milvus).chunks_embedded == 0  # the copy is the archive: nothing new
    assert main(["ingest", "--from-index", str(faiss.index_path), "--index", str(milvus.index_path), "-q",
                 str(corpus)]) == 2  # a copy takes no files
    (corpus / "extra.txt").write_text(ARTICLES["typhoon.txt"].replace("杜蘇芮", "卡努"), encoding="utf-8")
    ingest_paths([corpus], milvus)  # the Milvus archive now holds an article the folder lacks
    assert main(["ingest", "--from-index", str(faiss.index_path), "--index", str(milvus.index_path), "-q"]) == 2
    assert "already holds an archive" in capsys.readouterr().err and "extra.txt" in open_index(milvus).documents
    assert main(["ingest", "--from-index", str(faiss.index_path), "--index", str(milvus.index_path), "-q",
                 "--rebuild"]) == 0  # replacing it is said out loud
    assert "extra.txt" not in open_index(milvus).documents


def test_a_prefix_that_holds_no_archive_is_an_error_not_a_copy_of_the_sample(backends, monkeypatch, capsys):
    from newsqa.cli import main

    _, milvus = backends  # its prefix is new: Milvus holds nothing under it
    for name, value in {"NEWSQA_INDEX_BACKEND": "milvus", "NEWSQA_INDEX_MILVUS_URI": milvus.index_milvus_uri,
                        "NEWSQA_INDEX_MILVUS_COLLECTION": milvus.index_milvus_collection}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NEWSQA_INDEX_DIR", raising=False)
    assert not Settings.load().is_default_index  # the default folder, but not the default prefix
    assert main(["ask", "上海自貿區是哪一天掛牌的？", "-q"]) == 2  # a mistyped prefix builds nothing
    assert "no index in Milvus" in capsys.readouterr().err
    assert not index_exists(milvus)
