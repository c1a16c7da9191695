"""The one way to open an index (``newsqa.index.access``): read, create, write under the lock."""

import pytest

from newsqa.config import Settings
from newsqa.index.access import IndexBusyError, delete_documents, index_writer, open_index
from newsqa.index.dense import DenseConfig
from newsqa.index.store import IndexNotFoundError, NewsIndex
from newsqa.ingest.pipeline import ingest_paths


@pytest.fixture()
def settings(tmp_path, pudong_corpus, e5_model_dir):
    return Settings.load(
        index_dir=tmp_path / "index", corpus_dir=pudong_corpus, embedding_model=str(e5_model_dir),
        index_dense_kind="hnsw", index_storage="fp16", chunk_size=300,
    )


def test_reading_a_missing_index_says_how_to_build_one(settings):
    with pytest.raises(IndexNotFoundError) as raised:
        open_index(settings)
    with pytest.raises(IndexNotFoundError) as direct:
        NewsIndex.read_manifest(settings.index_path)
    assert str(raised.value) == str(direct.value)  # today's message, word for word
    assert "newsqa ingest --rebuild" in str(raised.value)
    assert not settings.index_path.exists()  # reading creates nothing


def test_an_opened_index_has_every_part_the_settings_describe(settings):
    ingest_paths([settings.corpus_path], settings)
    index = open_index(settings)
    assert index.dense_config == DenseConfig.from_settings(settings) != DenseConfig()
    assert (index.chunker.max_chars, index.embedder.model_ref) == (300, settings.embedding_model_ref)
    assert list(index.documents) == ["pudong.txt"] and index.path == settings.index_path


def test_create_gives_an_empty_index_and_writes_nothing(settings):
    index = open_index(settings, create=True)
    assert not index.documents and index.dense_config == DenseConfig.from_settings(settings)
    assert not settings.index_path.exists()


def test_a_second_writer_is_refused_while_one_holds_the_lock(settings):
    with index_writer(settings, create_missing=True) as index:
        assert not index.documents
        with pytest.raises(IndexBusyError, match="another `newsqa ingest` is writing"):
            with index_writer(settings, create_missing=True):
                pass
        with pytest.raises(IndexBusyError, match="another `newsqa ingest` is writing"):
            ingest_paths([settings.corpus_path], settings)
    assert ingest_paths([settings.corpus_path], settings).added == ["pudong.txt"]  # released on leaving


def test_a_writer_loads_what_is_there_or_starts_empty_when_asked(settings):
    with pytest.raises(IndexNotFoundError):
        with index_writer(settings):  # deleting from no index: the reader's error
            pass
    ingest_paths([settings.corpus_path], settings)
    with index_writer(settings) as index:
        assert list(index.documents) == ["pudong.txt"]
        assert index.dense_config == DenseConfig.from_settings(settings)
    with index_writer(settings, rebuild=True) as index:
        assert not index.documents
    assert delete_documents(["pudong.txt"], settings) == ["pudong.txt"]
    assert not open_index(settings).documents


def test_reopen_reads_the_new_generation_with_the_same_parts(settings):
    """What ``NewsQA.refresh`` does after an ingest: the warmed embedder is kept."""
    ingest_paths([settings.corpus_path], settings)
    index = open_index(settings)
    pudong = (settings.corpus_path / "pudong.txt").read_text(encoding="utf-8")
    (settings.corpus_path / "b.txt").write_text(pudong.replace("浦東", "蘇州"), encoding="utf-8")
    ingest_paths([settings.corpus_path], settings)
    again = index.reopen()
    assert again.generation > index.generation and sorted(again.documents) == ["b.txt", "pudong.txt"]
    assert (again.embedder, again.chunker, again.dense_config) == (index.embedder, index.chunker, index.dense_config)
    assert again.embedder is index.embedder
