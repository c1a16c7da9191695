from pathlib import Path

import pytest

from newsqa.index.chunker import SentenceChunker
from newsqa.ingest.parsers import ArticleParser
from newsqa.types import Document

SEED = Path(__file__).resolve().parents[2] / "data" / "articles" / "000_8cf7c1ad8f2038b8.txt"


def _texts(text, spans):
    return [text[s.start : s.end] for s in spans]


def _doc(text, title="標題", date="2021-01-10"):
    return Document(doc_id="d", title=title, text=text, date=date)


def test_offsets_round_trip_and_limits_on_the_seed_article():
    docs = ArticleParser().run(SEED.read_text(encoding="utf-8"), source_file=SEED.name)
    chunker = SentenceChunker(max_chars=400, overlap=60, min_chars=80)
    for doc in docs:
        chunks = chunker.run(doc)
        assert chunks, doc.title
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert len(chunk.text) <= 400 * 1.25
            assert chunk.text == chunk.text.strip()
        # every sentence of the document is in some chunk
        covered = set()
        for chunk in chunks:
            covered.update(range(chunk.start, chunk.end))
        for sent, _ in chunker.sentences(doc.text):
            assert sent.start in covered


def test_title_and_date_are_embedded_but_not_shown():
    chunk = SentenceChunker().run(_doc("正文第一句。"))[0]
    assert chunk.text == "正文第一句。"
    assert chunk.embed_text.startswith("標題（2021-01-10）\n")
    assert chunk.embed_text.endswith("正文第一句。")


def test_chunks_overlap_by_whole_sentences_within_budget():
    sentences = [f"這是第{i}句話，內容二十個字左右的句子。" for i in range(40)]
    text = "".join(sentences)
    chunker = SentenceChunker(max_chars=200, overlap=50, min_chars=20)
    chunks = chunker.run(_doc(text))
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end, "consecutive chunks should share a sentence"
        assert a.end - b.start <= 50
        assert b.start > a.start


def test_paragraph_breaks_are_preferred():
    para = "這是一個段落的句子。" * 30  # 300 chars
    text = para + "\n\n" + para
    chunks = SentenceChunker(max_chars=400, overlap=0, min_chars=10).run(_doc(text))
    assert chunks[0].end == len(para)


def test_a_sentence_longer_than_the_limit_is_cut_at_commas():
    text = "，".join(["很長的子句內容"] * 100) + "。"
    chunks = SentenceChunker(max_chars=120, overlap=0, min_chars=10).run(_doc(text))
    assert all(len(c.text) <= 120 * 1.25 for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_chunk_ids_are_stable():
    doc = _doc("第一句。第二句。")
    assert [c.chunk_id for c in SentenceChunker().run(doc)] == [c.chunk_id for c in SentenceChunker().run(doc)]


def test_overlap_must_be_under_half_the_size():
    with pytest.raises(ValueError):
        SentenceChunker(max_chars=100, overlap=60)
