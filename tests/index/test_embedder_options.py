"""Embedder options from issue 7: bfloat16 weights (opt-in) and one-thread question encoding."""

import numpy as np
import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.embedder import Embedder
from newsqa.index.store import IndexMismatchError, NewsIndex
from newsqa.ingest.pipeline import ingest_paths

TEXTS = ["2013年9月29日上海自貿區掛牌。", "蘇州工業園區設立於1994年2月。"]


def test_bfloat16_vectors_are_unit_float32_and_close_to_float32(e5_model_dir):
    fp32 = Embedder(str(e5_model_dir)).embed_passages(TEXTS)
    bf16 = Embedder(str(e5_model_dir), dtype="bfloat16").embed_passages(TEXTS)
    assert bf16.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fp32 * bf16, axis=1)) > 0.99
    with pytest.raises(ValueError):
        Embedder(str(e5_model_dir), dtype="int8")


def test_query_threads_do_not_change_the_vector(e5_model_dir):
    one = Embedder(str(e5_model_dir), query_threads=1).embed_query("上海自貿區是哪一天掛牌的？")
    default = Embedder(str(e5_model_dir), query_threads=0).embed_query("上海自貿區是哪一天掛牌的？")
    assert float(one @ default) > 0.9999


def test_an_index_built_in_float32_is_refused_for_bfloat16_with_a_reindex_message(tmp_path, e5_model_dir):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "a.txt").write_text("上海自貿區\n\n2013年9月29日上海自貿區掛牌。\n", encoding="utf-8")
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))
    ingest_paths([corpus], settings)
    bf16 = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir),
                         embedding_dtype="bfloat16")
    embedder, chunker = build_components(bf16)
    with pytest.raises(IndexMismatchError, match="re-index"):
        NewsIndex.load(bf16.index_path, embedder, chunker)
    embedder, chunker = build_components(settings)
    NewsIndex.load(settings.index_path, embedder, chunker)  # float32 still loads
