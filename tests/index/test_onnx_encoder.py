"""Questions encoded with ONNX Runtime (newsqa.index.onnx_encoder) and the Embedder's choice of backend."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pytest
from pydantic import ValidationError

from newsqa.config import Settings
from newsqa.index.embedder import Embedder, QueryBackendError
from newsqa.index.onnx_encoder import OnnxQueryEncoder, check_export

QUESTIONS = [
    "上海自貿區是哪一天掛牌的？",  # Traditional
    "上海自贸区是哪一天挂牌的？",  # Simplified
    "颱風山竹登陸時最大風力幾級？",
    "国家统计局公布的第三季度GDP同比增长多少",
    "蘋果iPhone 15起售價多少美元？",
    "２０２５年再生能源發電占比目標",
    "自貿區 擴區後\t面積多大？ \n",  # whitespace inside and at the end: transformers' tokenizer drops it
]
LONG = "行政院會今日通過《能源轉型白皮書》，目標在２０２５年前將再生能源發電占比提升至２０％，並逐步降低燃煤比例。"
PASSAGES = [
    "短。",
    "2013年9月29日上海自貿區掛牌。",
    "香港  交易所 宣布，恒生指數今日收報 17,500 點，跌 2.1%；成交額 HK$980 億。",
    LONG * 3,
    LONG * 20,  # longer than 512 tokens: truncated alike
    "段落結尾有換行。\n",
]
MIN_COSINE = 0.9999


@pytest.fixture(scope="module")
def torch_embedder(e5_onnx_dir) -> Embedder:
    return Embedder(str(e5_onnx_dir), query_backend="torch")


def test_onnx_question_vectors_match_torch_traditional_and_simplified(e5_onnx_dir, torch_embedder):
    onnx = Embedder(str(e5_onnx_dir), query_backend="onnx")
    for question in QUESTIONS:
        a, b = onnx.embed_query(question), torch_embedder.embed_query(question)
        assert a.dtype == np.float32 and a.shape == (384,)
        assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5
        assert float(a @ b) >= MIN_COSINE, question


def test_a_padded_batch_matches_sentence_transformers(e5_onnx_dir, torch_embedder):
    encoder = OnnxQueryEncoder.load(e5_onnx_dir)
    assert encoder is not None and encoder.prompt("passage") == "passage: "
    ids, mask = encoder.tokenize([encoder.prompt("passage") + p for p in PASSAGES])
    assert ids.shape[1] == 512 and mask[0].sum() < 10  # padded and truncated
    onnx = encoder.encode([encoder.prompt("passage") + p for p in PASSAGES])
    expected = torch_embedder.model.encode(
        PASSAGES, prompt_name="passage", batch_size=len(PASSAGES), normalize_embeddings=True, convert_to_numpy=True
    )
    cosines = np.sum(onnx * expected, axis=1)
    assert cosines.min() >= MIN_COSINE, cosines


def test_the_session_is_shared_by_the_process(e5_onnx_dir):
    assert OnnxQueryEncoder.load(e5_onnx_dir) is OnnxQueryEncoder.load(e5_onnx_dir)
    assert OnnxQueryEncoder.load(e5_onnx_dir).threads == 1


def test_questions_with_onnx_do_not_load_the_torch_model(e5_onnx_dir):
    embedder = Embedder(str(e5_onnx_dir))  # auto
    embedder.warmup()
    vector = embedder.embed_query(QUESTIONS[0])
    assert embedder.query_encoder is not None
    assert embedder.dimension == 384 == vector.shape[0]
    assert embedder._model is None


def test_a_question_process_never_imports_torch(e5_onnx_dir):
    code = (
        "import sys\n"
        "from newsqa.index.embedder import Embedder\n"
        f"e = Embedder({str(e5_onnx_dir)!r})\n"
        "v = e.embed_query('上海自貿區是哪一天掛牌的？')\n"
        "assert v.shape == (384,) and e.dimension == 384\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'torch imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_torch_backend_never_creates_an_onnx_session(e5_onnx_dir, monkeypatch):
    import onnxruntime

    def refuse(*args, **kwargs):
        raise AssertionError("an ONNX Runtime session was created")

    monkeypatch.setattr(onnxruntime, "InferenceSession", refuse)
    monkeypatch.setattr(OnnxQueryEncoder, "load_or_raise", classmethod(lambda cls, *a, **k: refuse()))
    embedder = Embedder(str(e5_onnx_dir), query_backend="torch")
    vector = embedder.embed_query(QUESTIONS[1])
    assert embedder.query_encoder is None and embedder._model is not None
    assert vector.shape == (384,)


def test_onnx_backend_without_an_export_is_a_clear_error(tmp_path):
    folder = tmp_path / "some-model"
    folder.mkdir()
    with pytest.raises(QueryBackendError, match="newsqa model"):
        Embedder(str(folder), query_backend="onnx").embed_query("問題")
    with pytest.raises(QueryBackendError, match="not a local model folder"):
        Embedder("intfloat/multilingual-e5-small", query_backend="onnx").embed_query("問題")
    assert OnnxQueryEncoder.load(folder) is None
    with pytest.raises(ValueError, match="auto, onnx, torch"):
        Embedder(str(folder), query_backend="tensorrt")


def test_a_stale_export_is_not_used_and_questions_fall_back_to_torch(
    e5_onnx_dir, torch_embedder, copy_model_folder, tmp_path, caplog
):
    folder = copy_model_folder(e5_onnx_dir, tmp_path / "e5", copy=("model.safetensors",))
    assert check_export(folder)[0] is not None  # a copy with the mtimes kept is still valid
    weights = folder / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    manifest, reason = check_export(folder)
    assert manifest is None and "stale" in reason
    with caplog.at_level(logging.INFO, logger="newsqa.index"):
        assert OnnxQueryEncoder.load(folder) is None
        embedder = Embedder(str(folder))  # auto
        vector = embedder.embed_query(QUESTIONS[0])
    assert embedder.query_encoder is None and embedder._model is not None
    assert any("stale" in r.getMessage() and "newsqa model" in r.getMessage() for r in caplog.records)
    assert float(vector @ torch_embedder.embed_query(QUESTIONS[0])) > 0.99999
    with pytest.raises(QueryBackendError, match="stale"):
        Embedder(str(folder), query_backend="onnx").embed_query("問題")


def test_the_setting_and_its_environment_variable(monkeypatch, e5_onnx_dir):
    monkeypatch.delenv("NEWSQA_CONFIG", raising=False)
    assert Settings.load().embedding_query_backend == "auto"
    monkeypatch.setenv("NEWSQA_EMBEDDING_QUERY_BACKEND", "torch")
    settings = Settings.load(embedding_model=str(e5_onnx_dir))
    assert Embedder.from_settings(settings).query_backend == "torch"
    monkeypatch.setenv("NEWSQA_EMBEDDING_QUERY_BACKEND", "gpu")
    with pytest.raises(ValidationError, match="embedding_query_backend"):
        Settings.load()


def test_missing_onnxruntime_means_no_encoder(e5_onnx_dir, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    with caplog.at_level(logging.INFO, logger="newsqa.index"):
        assert OnnxQueryEncoder.load(e5_onnx_dir) is None
    assert any("onnxruntime is not importable" in r.getMessage() for r in caplog.records)
