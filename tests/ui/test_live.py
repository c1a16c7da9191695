"""``newsqa.ui.live.LiveQA`` over a ``QACore`` stand-in: emptiness, loading once an index
appears, streaming, the follow-up rewriter kept per index, and where a citation's file is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsqa.config import Settings
from newsqa.types import Answer, Document
from newsqa.ui.live import EmptyIndexError, LiveQA, QACore


class _Index:
    def __init__(self, *docs: Document):
        self.documents = {d.doc_id: d for d in docs}


class _Core(QACore):
    def __init__(self, *docs: Document, generative: bool = False):
        self.index = _Index(*docs)
        self.generative = generative
        self.rules_seen: list[object] = []

    def is_empty(self) -> bool:
        return not self.index.documents

    def documents(self) -> list[Document]:
        return list(self.index.documents.values())

    def get_document(self, doc_id: str) -> Document | None:
        return self.index.documents.get(doc_id)

    def ask(self, question: str, **when) -> Answer:
        return Answer(question, "好。", False, [])

    def followup_rewriter(self, rules):
        self.rules_seen.append(rules)
        return rules


DOC = Document("feed.jsonl#2", "上海自貿區掛牌", "…", source_file="uploads/feed.jsonl")


def test_an_index_without_documents_is_empty() -> None:
    live = LiveQA(_Core())
    assert live.empty() and not LiveQA(_Core(DOC)).empty()
    with pytest.raises(EmptyIndexError, match="文章庫"):
        live.ask("上海自貿區是哪一天掛牌的？")
    with pytest.raises(EmptyIndexError):
        live.ask_stream("上海自貿區是哪一天掛牌的？")


def test_the_core_is_loaded_once_the_index_folder_holds_an_index(tmp_path: Path) -> None:
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=tmp_path / "articles")
    loads: list[Settings] = []

    def loader(s: Settings) -> QACore:
        loads.append(s)
        return _Core(DOC)

    live = LiveQA(None, settings=settings, loader=loader)
    assert live.qa is None and live.empty() and loads == []  # no index: not even tried
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "CURRENT").write_text("gen-000001\n")
    assert not live.empty() and live.qa is live.qa and loads == [settings]


def test_a_failed_load_is_retried_only_when_the_index_changes(tmp_path: Path) -> None:
    settings = Settings.load(index_dir=tmp_path, corpus_dir=tmp_path / "articles")
    pointer = tmp_path / "CURRENT"
    pointer.write_text("gen-000001\n")
    calls: list[int] = []

    def broken(s: Settings) -> QACore:
        calls.append(1)
        raise RuntimeError("half-written index")

    live = LiveQA(None, settings=settings, loader=broken)
    assert live.qa is None and live.qa is None and len(calls) == 1
    pointer.write_text("gen-000002\n")
    os.utime(pointer, ns=(1, 10**18))  # a new generation
    assert live.qa is None and len(calls) == 2


def test_streams_only_with_a_generative_core() -> None:
    assert not LiveQA(_Core(DOC)).streams and LiveQA(_Core(DOC, generative=True)).streams
    assert not LiveQA(None).streams
    events = list(LiveQA(_Core(DOC, generative=True)).ask_stream("上海自貿區是哪一天掛牌的？"))
    assert [e.answer for e in events] == ["好。"]  # the default stream: just the answer


def test_the_rewriter_is_kept_until_the_index_changes() -> None:
    core = _Core(DOC)
    live = LiveQA(core)
    first = live.rewriter()
    assert live.rewriter() is first and len(core.rules_seen) == 1
    core.index = _Index(DOC)  # a reload: a new index object
    assert live.rewriter() is not first and len(core.rules_seen) == 2


def test_a_citations_file() -> None:
    live = LiveQA(_Core(DOC))
    assert live.source_file("feed.jsonl#2") == "uploads/feed.jsonl"
    assert live.source_file("gone.jsonl#7") == "gone.jsonl" and live.source_file("") is None
    assert LiveQA(None).get_document("feed.jsonl#2") is None
