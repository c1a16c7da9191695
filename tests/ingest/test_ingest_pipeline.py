"""Ingest into a real on-disk index with the real model: incremental updates, bad files, lock, manifest."""

from pathlib import Path

import pytest

from newsqa.config import Settings
from newsqa.index.access import IndexBusyError, build_components, index_lock
from newsqa.index.store import IndexMismatchError, NewsIndex
from newsqa.ingest.pipeline import ensure_index, ingest_paths

ARTICLE_A = "上海浦東新區\n\n2021-01-10 人民網\n\n浦東開發開放始於1990年4月18日。陸家嘴是浦東的金融中心。\n"
ARTICLE_B = "# 杭州亚运会\n\n第19届亚运会于2023年9月23日在杭州开幕。\n\n共有45个国家和地区参赛。\n"


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    (folder / "b.md").write_text(ARTICLE_B, encoding="utf-8")
    return folder


@pytest.fixture()
def settings(tmp_path, corpus, e5_model_dir):
    return Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))


def test_second_ingest_embeds_nothing_and_a_change_reembeds_only_that_article(settings, corpus):
    first = ingest_paths([corpus], settings)
    assert (len(first.added), first.chunks_embedded, first.ok) == (2, 2, True)
    generation = NewsIndex.read_manifest(settings.index_path)["generation"]

    again = ingest_paths([corpus], settings)
    assert (len(again.added), len(again.updated), again.chunks_embedded) == (0, 0, 0)
    assert len(again.unchanged) == 2
    assert "0 new, 0 changed" in again.summary()
    assert NewsIndex.read_manifest(settings.index_path)["generation"] == generation  # nothing rewritten

    (corpus / "b.md").write_text(ARTICLE_B.replace("45个", "46个"), encoding="utf-8")
    changed = ingest_paths([corpus], settings)
    assert changed.updated == ["b.md"] and changed.chunks_embedded == 1
    assert changed.chunks_total == 2  # the old chunk of b.md is gone, not duplicated


def test_sync_removes_documents_whose_files_are_gone(settings, corpus):
    ingest_paths([corpus], settings)
    (corpus / "a.txt").unlink()
    report = ingest_paths([corpus], settings, sync=True)
    assert report.removed == ["a.txt"]
    embedder, chunker = build_components(settings)
    assert set(NewsIndex.load(settings.index_path, embedder, chunker).documents) == {"b.md"}


def test_bad_files_are_reported_and_the_rest_goes_on(settings, corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02garbage\x00" * 10)
    (corpus / "blank.md").write_text("   \n\n", encoding="utf-8")
    (corpus / "gb.txt").write_bytes("深圳前海\n\n前海蛇口片區於2015年4月27日掛牌成立，規劃面積28.2平方公里。".encode("gb18030"))
    big = Settings.load(**{**settings.model_dump(), "ingest_max_file_bytes": 200})
    (corpus / "big.txt").write_text("長" * 300, encoding="utf-8")
    report = ingest_paths([corpus, tmp_path / "missing"], big)
    reasons = {Path(path).name: reason for path, reason in report.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "blank.md", "big.txt", "missing"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "NEWSQA_INGEST_MAX_FILE_BYTES" in reasons["big.txt"]
    assert "no such file" in reasons["missing"]
    assert sorted(report.added) == ["a.txt", "b.md", "gb.txt"]  # the GB18030 file was decoded
    assert not report.ok


def test_a_second_ingest_is_refused_while_one_runs(settings, corpus):
    with index_lock(settings.index_path):
        with pytest.raises(IndexBusyError, match="another `newsqa ingest`"):
            ingest_paths([corpus], settings)


def test_an_index_built_with_other_settings_is_refused(settings, corpus):
    ingest_paths([corpus], settings)
    other = Settings.load(**{**settings.model_dump(), "chunk_size": 300})
    embedder, chunker = build_components(other)
    with pytest.raises(IndexMismatchError, match="newsqa ingest --rebuild"):
        NewsIndex.load(other.index_path, embedder, chunker)
    rebuilt = ingest_paths([corpus], other, rebuild=True)
    assert len(rebuilt.added) == 2


def test_a_crash_mid_save_leaves_the_previous_generation_live(settings, corpus, monkeypatch):
    ingest_paths([corpus], settings)
    before = NewsIndex.read_manifest(settings.index_path)
    (corpus / "c.txt").write_text("新文章\n\n這是一篇新的文章，談到蘇州工業園區。", encoding="utf-8")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("newsqa.index.storage.write_docstore", crash)
    with pytest.raises(OSError):
        ingest_paths([corpus], settings)
    monkeypatch.undo()
    assert NewsIndex.read_manifest(settings.index_path) == before
    embedder, chunker = build_components(settings)
    assert len(NewsIndex.load(settings.index_path, embedder, chunker).documents) == 2
    report = ingest_paths([corpus], settings)  # the next run completes the work
    assert report.added == ["c.txt"]
    assert not list(settings.index_path.glob(".gen-*"))  # leftovers cleaned


def test_ensure_index_builds_once_and_refreshes_when_the_corpus_changes(settings, corpus):
    assert ensure_index(settings) is not None
    assert ensure_index(settings) is None  # up to date: nothing to do
    (corpus / "c.txt").write_text("蘇州工業園區\n\n蘇州工業園區設立於1994年。", encoding="utf-8")
    report = ensure_index(settings)
    assert report.added == ["c.txt"] and report.chunks_embedded == 1


def test_ensure_index_leaves_an_index_of_the_user_s_own_files_as_it_is(settings, tmp_path):
    own = tmp_path / "my-news"
    own.mkdir()
    (own / "mine.txt").write_text("蘇州工業園區\n\n蘇州工業園區設立於1994年。", encoding="utf-8")
    ingest_paths([own], settings)  # `newsqa ingest --index DIR my-news`
    assert ensure_index(settings) is None  # what `newsqa serve --index DIR` runs first
    assert set(_index(settings).documents) == {"mine.txt"}  # the bundled corpus was not added


def _index(settings):
    embedder, chunker = build_components(settings)
    return NewsIndex.load(settings.index_path, embedder, chunker)


def test_wire_copies_are_stored_once_with_both_sources(settings, corpus):
    copy = ARTICLE_A.replace("2021-01-10 人民網", "2021-01-10 新華網").replace("。", "。 ")
    (corpus / "wire-copy.txt").write_text(copy, encoding="utf-8")
    report = ingest_paths([corpus], settings)
    assert report.duplicates == ["wire-copy.txt"] and sorted(report.added) == ["a.txt", "b.md"]
    index = _index(settings)
    assert len(index.documents) == 2
    assert [c["source"] for c in index.copies_of("a.txt")] == ["新華網"]
    assert index.resolve("wire-copy.txt") == "a.txt"
    again = ingest_paths([corpus], settings)  # copies are unchanged on the next run
    assert again.chunks_embedded == 0 and not again.duplicates and len(again.unchanged) == 3


def test_sync_keeps_a_story_whose_copy_is_still_there(settings, corpus):
    (corpus / "wire-copy.txt").write_text(ARTICLE_A, encoding="utf-8")
    ingest_paths([corpus], settings)
    (corpus / "a.txt").unlink()
    report = ingest_paths([corpus], settings, sync=True)
    assert report.removed == ["a.txt"]
    index = _index(settings)
    assert set(index.documents) == {"b.md", "wire-copy.txt"}
    assert index.copies_of("wire-copy.txt") == []


def test_sync_removes_nothing_when_a_file_failed(settings, corpus):
    ingest_paths([corpus], settings)
    (corpus / "a.txt").write_bytes(b"")  # now unreadable as an article
    report = ingest_paths([corpus], settings, sync=True)
    assert report.failed and report.removed == []
    assert set(_index(settings).documents) == {"a.txt", "b.md"}


def test_a_running_reader_picks_up_a_new_generation(settings, corpus):
    from newsqa.qa.pipeline import NewsQA

    ingest_paths([corpus], settings)
    qa = NewsQA.from_settings(settings)
    assert qa.ask("蘇州工業園區是哪一年設立的？").abstained
    (corpus / "c.txt").write_text("蘇州工業園區\n\n蘇州工業園區設立於1994年2月。", encoding="utf-8")
    ingest_paths([corpus], settings)
    answer = qa.ask("蘇州工業園區是哪一年設立的？")
    assert not answer.abstained and "1994年" in answer.answer


def test_ensure_index_rebuilds_a_corpus_only_index_built_with_other_settings(settings, corpus, tmp_path):
    (corpus / "uploads").mkdir()
    (corpus / "uploads" / "c.txt").write_text("蘇州工業園區\n\n蘇州工業園區設立於1994年。", encoding="utf-8")
    ingest_paths([corpus], settings)
    ingest_paths([corpus / "uploads" / "c.txt"], settings)  # an upload stays inside the corpus
    other = Settings.load(**{**settings.model_dump(), "chunk_size": 300})
    report = ensure_index(other)
    assert report is not None and len(report.added) == 3  # rebuilt from the corpus, nothing lost

    outside = tmp_path / "elsewhere.txt"
    outside.write_text("外部文章\n\n這篇文章不在語料夾裡。", encoding="utf-8")
    ingest_paths([outside], other)
    with pytest.raises(IndexMismatchError, match="newsqa ingest --rebuild"):
        ensure_index(settings)  # it now holds an article from elsewhere: the user decides
