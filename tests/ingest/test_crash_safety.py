"""kill -9 during a re-index: the previous generation stays loadable and the next run finishes the job.

A real ``newsqa ingest`` process is SIGKILLed at named points of the write path
(``NEWSQA_CRASH_AT`` makes it kill itself exactly there) and once from outside while
it is embedding.
"""

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.ingest.pipeline import ingest_paths
from newsqa.qa.pipeline import NewsQA

pytestmark = pytest.mark.slow

NEW_ARTICLE = "蘇州工業園區\n\n2024-02-26 新華網\n\n蘇州工業園區設立於1994年2月，是中國和新加坡兩國政府的合作項目。\n"


@pytest.fixture()
def setup(tmp_path, pudong_corpus, e5_model_dir):
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=pudong_corpus, embedding_model=str(e5_model_dir))
    ingest_paths([pudong_corpus], settings)
    return pudong_corpus, settings


def _ingest_process(corpus, settings, crash_at=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSQA_EMBEDDING_MODEL": settings.embedding_model}
    if crash_at:
        env["NEWSQA_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "newsqa.cli", "ingest", str(corpus), "--index", str(settings.index_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _check_recovers(corpus, settings, expect_new_visible):
    embedder, chunker = build_components(settings)
    index = NewsIndex.load(settings.index_path, embedder, chunker)  # loadable right after the crash
    assert ("suzhou.txt" in index.documents) == expect_new_visible
    answer = NewsQA.from_settings(settings).ask("浦東開發開放始於哪一天？")
    assert "1990年4月18日" in answer.answer
    report = ingest_paths([corpus], settings)  # the next run completes the work
    assert report.ok
    assert set(NewsIndex.load(settings.index_path, embedder, chunker).documents) == {"pudong.txt", "suzhou.txt"}
    assert not [p.name for p in settings.index_path.iterdir() if p.name.startswith(".")]
    assert len([p for p in settings.index_path.glob("gen-*")]) <= 2


@pytest.mark.parametrize(
    "crash_at, new_visible",
    [
        ("ingest:before-save", False),
        ("save:vectors-written", False),
        ("save:generation-renamed", False),
        ("save:pointer-swapped", True),
    ],
)
def test_sigkill_at_each_step_of_the_write_path(setup, crash_at, new_visible):
    corpus, settings = setup
    (corpus / "suzhou.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    process = _ingest_process(corpus, settings, crash_at)
    process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL
    _check_recovers(corpus, settings, new_visible)


def test_sigkill_from_outside_while_embedding(setup):
    corpus, settings = setup
    (corpus / "suzhou.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    fillers = 240  # enough text that embedding takes a while, even with the int8 encoder (~15 passages/s)
    for i in range(fillers):
        (corpus / f"filler-{i:03d}.txt").write_text(f"第{i}篇\n\n" + f"這是第{i}篇測試文章的內容，講述城市發展。" * 20, encoding="utf-8")
    process = _ingest_process(corpus, settings)
    deadline = time.monotonic() + 240
    log = ""
    # torch logs "loading embedding model", the int8 encoder "int8 passage encoder": the embedding starts
    while not re.search(r"loading embedding model|int8 passage encoder", log) and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        log += line
    time.sleep(1.0)
    assert process.poll() is None, f"ingest finished before it could be killed:\n{log[-2000:]}"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    for i in range(fillers):
        (corpus / f"filler-{i:03d}.txt").unlink()
    _check_recovers(corpus, settings, expect_new_visible=False)


DEAD_PID = 2**22 + 1  # above any pid_max Linux allows: never a running process


def _leftovers(index_dir):
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(".") or p.name.startswith("gen-"))


def test_an_ingest_that_saves_nothing_still_removes_dead_writers_leftovers(setup, caplog):
    corpus, settings = setup
    index_dir = settings.index_path
    live = (index_dir / "CURRENT").read_text().strip()
    stale = index_dir / f".gen-000009.tmp-{DEAD_PID}"
    stale.mkdir()
    (stale / "vectors.faiss").write_bytes(b"\0" * 200_000)
    (index_dir / f".CURRENT.tmp-{DEAD_PID}").write_text("gen-000009\n")
    orphan = index_dir / "gen-000008"  # renamed into place by a save that died before the swap
    shutil.copytree(index_dir / live, orphan)
    before = NewsQA.from_settings(settings).ask("浦東開發開放始於哪一天？").answer

    with caplog.at_level(logging.WARNING, logger="newsqa.index.store"):
        report = ingest_paths([corpus], settings)  # nothing changed: no save, which used to be the only clean-up
    assert report.ok and report.unchanged == ["pudong.txt"] and not report.added
    assert _leftovers(index_dir) == [live]
    assert (index_dir / "CURRENT").read_text().strip() == live
    assert "gen-000008" in caplog.text and f".gen-000009.tmp-{DEAD_PID}" in caplog.text
    answer = NewsQA.from_settings(settings).ask("浦東開發開放始於哪一天？").answer
    assert answer == before and "1990年4月18日" in answer


def test_consecutive_crashed_saves_do_not_pile_up(setup):
    corpus, settings = setup
    index_dir = settings.index_path
    live = (index_dir / "CURRENT").read_text().strip()
    (corpus / "suzhou.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    first = _ingest_process(corpus, settings, "save:vectors-written")
    first.communicate(timeout=300)
    assert first.returncode == -signal.SIGKILL
    assert [n for n in _leftovers(index_dir) if n.startswith(".gen-")]  # a full temporary generation
    second = _ingest_process(corpus, settings, "save:generation-renamed")
    second.communicate(timeout=300)
    assert second.returncode == -signal.SIGKILL
    leftovers = _leftovers(index_dir)
    assert not [n for n in leftovers if n.startswith(".")]  # the first crash's folder went at the lock
    assert len([n for n in leftovers if n.startswith("gen-")]) == 2  # the live one and an unused newer one
    third = _ingest_process(corpus, settings, "ingest:before-save")
    third.communicate(timeout=300)
    assert third.returncode == -signal.SIGKILL
    assert _leftovers(index_dir) == [live]  # crashed again, but only after removing the second's
    _check_recovers(corpus, settings, expect_new_visible=False)
