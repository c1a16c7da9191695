"""``embedding_passage_backend`` (issue 18): passages embedded by the int8 encoder land in the
same space as torch's (questions are encoded as before); an index records which encoder built
it and refuses a configured other one; ``auto`` (the default) keeps an index's own encoder
and builds new indexes with int8 when the model folder has it."""

from __future__ import annotations

import numpy as np
import pytest

from newsqa.config import Settings
from newsqa.index.access import open_index
from newsqa.index.embedder import Embedder, ModelNotFoundError
from newsqa.index.store import IndexMismatchError
from newsqa.ingest.pipeline import ingest_paths

pytestmark = pytest.mark.slow

PASSAGES = [
    "2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立。",
    "今年第5号台风“杜苏芮”于28日9时55分前后在福建省晋江市沿海登陆。",
    "新總館共有閱覽座位一千二百個，其中兒童閱覽區佔了三百個。",
]


def test_int8_passage_vectors_agree_with_torch(e5_int8_dir):
    torch_vectors = Embedder(str(e5_int8_dir)).embed_passages(PASSAGES, show_progress=False)
    int8_vectors = Embedder(str(e5_int8_dir), passage_backend="onnx-int8").embed_passages(PASSAGES, show_progress=False)
    cosines = (torch_vectors * int8_vectors).sum(axis=1)
    assert cosines.min() >= 0.99, cosines
    assert np.allclose(np.linalg.norm(int8_vectors, axis=1), 1.0, atol=1e-5)


def test_an_index_keeps_to_the_passage_encoder_that_built_it(e5_int8_dir, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    for i, text in enumerate(PASSAGES):
        (folder / f"{i}.txt").write_text(f"新聞{i}\n\n2023-08-0{i + 1} 新華網\n\n{text}\n", encoding="utf-8")
    int8 = Settings.load(index_dir=tmp_path / "int8", embedding_model=str(e5_int8_dir),
                         embedding_passage_backend="onnx-int8")
    assert ingest_paths([folder], int8).ok
    index = open_index(int8)
    (vid, _score), *_ = index.search_dense(index.embedder.embed_query("台风杜苏芮在哪里登陆？"), 1)
    assert index.chunks[vid].doc_id == "1.txt"  # a question encoded as before finds an int8 passage
    torch = Settings.load(index_dir=tmp_path / "int8", embedding_model=str(e5_int8_dir), embedding_passage_backend="torch")
    with pytest.raises(IndexMismatchError, match="embedding_passage_backend: index 'onnx-int8', settings None"):
        open_index(torch)
    with pytest.raises(IndexMismatchError, match="newsqa ingest --rebuild"):
        ingest_paths([folder], torch)


def test_auto_keeps_an_index_s_own_encoder_and_builds_new_ones_with_int8(e5_int8_dir, copy_model_folder, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(f"新聞\n\n2023-08-01 新華網\n\n{PASSAGES[0]}\n", encoding="utf-8")
    built_with_torch = Settings.load(index_dir=tmp_path / "old", embedding_model=str(e5_int8_dir),
                                     embedding_passage_backend="torch")
    assert ingest_paths([folder], built_with_torch).ok
    auto_old = Settings.load(index_dir=tmp_path / "old", embedding_model=str(e5_int8_dir))  # the default: auto
    assert auto_old.embedding_passage_backend == "auto"
    index = open_index(auto_old)  # an index from before int8 opens as it is: nothing to rebuild
    assert index.embedder.active_passage_backend == "torch"
    (folder / "b.txt").write_text(f"新聞二\n\n2023-08-02 新華網\n\n{PASSAGES[1]}\n", encoding="utf-8")
    assert ingest_paths([folder], auto_old).added == ["b.txt"]  # added with torch, like the rest
    assert "embedding_passage_backend" not in open_index(auto_old).manifest["settings"]
    auto_new = Settings.load(index_dir=tmp_path / "new", embedding_model=str(e5_int8_dir))
    assert ingest_paths([folder], auto_new).ok
    assert open_index(auto_new).manifest["settings"]["embedding_passage_backend"] == "onnx-int8"
    # a model folder without the int8 encoder: auto embeds with torch (and says why in the log)
    bare = copy_model_folder(e5_int8_dir, tmp_path / "bare")
    (bare / "onnx" / "newsqa_int8.json").unlink()
    assert Embedder(str(bare)).active_passage_backend == "torch"


def test_a_model_folder_without_the_int8_encoder_says_what_to_run(e5_int8_dir, copy_model_folder, tmp_path):
    folder = copy_model_folder(e5_int8_dir, tmp_path / "e5")
    (folder / "onnx" / "newsqa_int8.json").unlink()
    with pytest.raises(ModelNotFoundError, match="newsqa model --int8"):
        Embedder(str(folder), passage_backend="onnx-int8").embed_passages(["一段。"], show_progress=False)
