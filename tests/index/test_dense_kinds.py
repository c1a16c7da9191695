"""The dense index kinds (flat / ivf / hnsw) and storages (fp32 / fp16 / pq) behind ``NewsIndex``.

Unit tests use small clustered random vectors (no model); the integration tests ingest a
tiny corpus with the real model and check that search, removal, reload and conversion
between kinds behave the same whatever the kind. No timings are asserted.
"""

import json

import numpy as np
import pytest
from pydantic import ValidationError

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.dense import DenseConfig, DenseIndex, DenseMeta, ivf_cells, ivf_nprobe
from newsqa.index.store import CURRENT_FILE, MANIFEST_FILE, NewsIndex, NewsIndexError
from newsqa.ingest.pipeline import ingest_paths

KINDS = [("flat", "fp32"), ("flat", "fp16"), ("flat", "pq"), ("ivf", "fp32"), ("ivf", "fp16"), ("ivf", "pq"),
         ("hnsw", "fp32"), ("hnsw", "fp16")]


def _vectors(n=1200, d=32, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, d)).astype(np.float32)
    x = centres[rng.integers(40, size=n)] + 0.3 * rng.standard_normal((n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, np.arange(1000, 1000 + n, dtype=np.int64)


@pytest.mark.parametrize("kind,storage", KINDS)
def test_each_kind_finds_removes_reconstructs_and_round_trips(kind, storage, tmp_path):
    x, ids = _vectors()
    config = DenseConfig(kind=kind, storage=storage, pq_bytes=8, ivf_nprobe=64, hnsw_m=16)
    dense = DenseIndex.build(x, ids, kind, storage, config)
    assert (dense.kind, dense.storage, dense.ntotal) == (kind, storage, len(ids))
    found, scores = dense.search(x[5], 10)
    assert found[0] == ids[5] or storage == "pq"  # pq is approximate: the vector itself may rank 2nd
    assert ids[5] in found.tolist()
    assert list(scores) == sorted(scores, reverse=True)
    assert np.dot(dense.reconstruct(int(ids[7])), x[7]) > (0.99 if storage != "pq" else 0.8)

    dense.remove([int(ids[5]), int(ids[6])])
    assert dense.ntotal == len(ids) - 2
    assert not {int(ids[5]), int(ids[6])} & set(dense.search(x[5], 50)[0].tolist())

    dense.write(tmp_path)
    again = DenseIndex.read(tmp_path, x.shape[1], DenseMeta.from_dict(dense.meta.to_dict()))
    assert again.ntotal == dense.ntotal
    assert again.search(x[9], 5)[0].tolist() == dense.search(x[9], 5)[0].tolist()
    assert int(ids[5]) not in again.search(x[5], 50)[0].tolist()


def test_approximate_search_agrees_with_exact_on_clustered_vectors():
    x, ids = _vectors(n=3000)
    exact = DenseIndex.build(x, ids, "flat", "fp32")
    ivf = DenseIndex.build(x, ids, "ivf", "fp32", DenseConfig(ivf_nprobe=8))
    queries = x[::100]
    recall = np.mean([
        len(set(ivf.search(q, 10)[0].tolist()) & set(exact.search(q, 10)[0].tolist())) / 10 for q in queries
    ])
    assert recall >= 0.9


def test_auto_is_exact_below_the_threshold_and_ivf_from_it():
    config = DenseConfig(kind="auto", approx_min_chunks=1000)
    assert config.wanted(999) == "flat" and config.wanted(1000) == "ivf"
    assert DenseConfig(kind="hnsw").wanted(10) == "hnsw"
    assert ivf_cells(1_000_000) == 1024 and ivf_cells(10) == 16
    assert ivf_nprobe(1024) == 64 and ivf_nprobe(64) == 16 and ivf_nprobe(64, 200) == 64


def test_adapted_converts_without_losing_ids_and_keeps_an_index_that_fits():
    x, ids = _vectors()
    flat = DenseIndex.build(x, ids, "flat", "fp32")
    config = DenseConfig(kind="auto", approx_min_chunks=1000)
    ivf = flat.adapted(config, ids)
    assert ivf.kind == "ivf" and ivf.ntotal == len(ids)
    assert ivf.search(x[3], 1)[0][0] == ids[3]
    assert ivf.adapted(config, ids) is ivf  # nothing to do
    back = ivf.adapted(DenseConfig(kind="flat", storage="fp16"), ids)
    assert (back.kind, back.storage) == ("flat", "fp16")


def test_too_few_vectors_for_ivf_or_pq_fall_back():
    x, ids = _vectors(n=100)
    dense = DenseIndex.build(x, ids, "ivf", "pq", DenseConfig(pq_bytes=8))
    assert (dense.kind, dense.storage) == ("flat", "fp16")
    assert dense.search(x[0], 1)[0][0] == ids[0]


def test_settings_validate_the_index_options(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSQA_CONFIG", raising=False)
    assert Settings.load().index_dense_kind == "auto"
    with pytest.raises(ValidationError):
        Settings.load(index_dense_kind="annoy")
    with pytest.raises(ValidationError):
        Settings.load(index_storage="int4")
    with pytest.raises(ValidationError):
        Settings.load(index_approx_min_chunks=0)
    toml = tmp_path / "newsqa.toml"
    toml.write_text('[index]\ndense_kind = "hnsw"\nstorage = "fp16"\n')
    monkeypatch.setenv("NEWSQA_CONFIG", str(toml))
    settings = Settings.load()
    assert (settings.index_dense_kind, settings.index_storage) == ("hnsw", "fp16")
    assert DenseConfig.from_settings(settings).kind == "hnsw"
    with pytest.raises(ValueError):
        DenseConfig(kind="annoy")


# ---------------------------------------------------------------------------- with the real model
ARTICLES = {
    "pudong.txt": "上海浦東新區\n\n2021-01-10 人民網\n\n浦東開發開放始於1990年4月18日。陸家嘴是浦東的金融中心。\n",
    "suzhou.txt": "蘇州工業園區\n\n2024-02-26 新華網\n\n蘇州工業園區設立於1994年2月，是中國和新加坡兩國政府的合作項目。\n",
    "hainan.txt": "海南自由貿易港\n\n2020-06-01 新華網\n\n海南自由貿易港建設總體方案於2020年6月1日公布。\n",
}


@pytest.fixture()
def corpus(article_folder):
    return article_folder(ARTICLES)


def _settings(tmp_path, corpus, e5_model_dir, **kw):
    return Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir), **kw)


def _manifest(settings):
    path = settings.index_path
    return json.loads((path / (path / CURRENT_FILE).read_text().strip() / MANIFEST_FILE).read_text())


BACKENDS = [("flat", "fp32"), ("hnsw", "fp16"), ("flat", "fp16")]


def _kind_settings(kind, storage):
    return {"index_dense_kind": kind, "index_storage": storage}


def _dense_top(index, question):
    """The passage the index's dense vectors rank first for ``question``: BM25 is left out,
    these tests are about the vectors (fusion and re-ranking: tests/qa)."""
    return index.search_candidates(question, dense_depth=1, bm25_depth=0)[0]


@pytest.mark.parametrize("kind,storage", BACKENDS)
def test_ingest_search_edit_and_reload_with_each_kind(kind, storage, tmp_path, corpus, e5_model_dir):
    settings = _settings(tmp_path, corpus, e5_model_dir, **_kind_settings(kind, storage))
    ingest_paths([corpus], settings)
    assert _manifest(settings)["dense"]["kind"] == kind
    assert _manifest(settings)["dense"]["storage"] == storage
    embedder, chunker = build_components(settings)
    index = NewsIndex.load(settings.index_path, embedder, chunker)
    assert _dense_top(index, "蘇州工業園區是哪一年設立的？").document.doc_id == "suzhou.txt"

    (corpus / "suzhou.txt").write_text(ARTICLES["suzhou.txt"].replace("1994年2月", "1994年5月"), encoding="utf-8")
    report = ingest_paths([corpus], settings)
    assert report.updated == ["suzhou.txt"] and report.chunks_embedded == 1
    index = NewsIndex.load(settings.index_path, embedder, chunker)
    hits = index.search_candidates("蘇州工業園區是哪一年設立的？", dense_depth=3, bm25_depth=0)
    assert hits[0].document.doc_id == "suzhou.txt" and "1994年5月" in hits[0].chunk.text
    assert len({h.chunk.chunk_id for h in hits}) == len(hits)  # the replaced chunk is gone, not duplicated


def test_changing_the_kind_in_settings_converts_without_embedding(tmp_path, corpus, e5_model_dir):
    ingest_paths([corpus], _settings(tmp_path, corpus, e5_model_dir, index_dense_kind="flat"))
    settings = _settings(tmp_path, corpus, e5_model_dir, index_dense_kind="hnsw", index_storage="fp16")
    report = ingest_paths([corpus], settings)
    assert report.chunks_embedded == 0
    assert (_manifest(settings)["dense"]["kind"], _manifest(settings)["dense"]["storage"]) == ("hnsw", "fp16")
    embedder, chunker = build_components(settings)
    index = NewsIndex.load(settings.index_path, embedder, chunker)
    assert _dense_top(index, "海南自由貿易港方案何時公布？").document.doc_id == "hainan.txt"


def _built_then_edited(settings, corpus, edit) -> None:
    """Build the index, then change its live manifest with ``edit(manifest)``."""
    ingest_paths([corpus], settings)
    path = settings.index_path
    manifest_path = path / (path / CURRENT_FILE).read_text().strip() / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    edit(manifest)
    manifest_path.write_text(json.dumps(manifest))


def test_an_index_written_before_dense_kinds_still_loads(tmp_path, corpus, e5_model_dir):
    settings = _settings(tmp_path, corpus, e5_model_dir)
    _built_then_edited(settings, corpus, lambda m: m.pop("dense"))  # format-2 indexes written before issue 7
    embedder, chunker = build_components(settings)
    index = NewsIndex.load(settings.index_path, embedder, chunker)
    assert (index._dense.kind, index._dense.storage) == ("flat", "fp32")
    assert _dense_top(index, "浦東開發開放始於哪一天？").document.doc_id == "pudong.txt"


def test_an_index_of_the_old_vectors_only_milvus_mode_asks_to_be_rebuilt(tmp_path, corpus, e5_model_dir):
    settings = _settings(tmp_path, corpus, e5_model_dir)
    old_mode = {"kind": "milvus", "storage": "server", "uri": "milvus.db", "collection": "newsqa_x"}
    _built_then_edited(settings, corpus, lambda m: m.update(dense=old_mode))  # vectors only, in Milvus
    embedder, chunker = build_components(settings)
    with pytest.raises(NewsIndexError, match="ingest --rebuild"):
        NewsIndex.load(settings.index_path, embedder, chunker)
