"""Question encoding with ONNX Runtime: the exported encoder of a sentence-transformers folder.

``newsqa model`` (``newsqa.models.onnx_export``) writes ``<model folder>/onnx/model.onnx``
and, last, the manifest ``onnx/newsqa_onnx.json``. This module runs that export without
torch: ``tokenizers`` tokenises (truncation to the model's ``max_seq_length``, padding),
ONNX Runtime computes the last hidden states, and numpy does the masked mean pooling
and the L2 normalisation that the folder's Pooling and Normalize modules do. For one
short question on one thread this is about twice as fast as ``SentenceTransformer.encode``
(the vectors agree to a cosine of 0.9999 or better; the export checks that), and a
process that only answers questions never loads torch's copy of the model.

Prompts are the caller's business (``Embedder`` prepends the ``query`` prompt string,
exactly as sentence-transformers does); :attr:`OnnxQueryEncoder.prompts` holds the
folder's prompts.

An export is used only while it matches the weights it was made from (same size and
mtime of the weights file as recorded in the manifest); otherwise :meth:`OnnxQueryEncoder.load`
returns ``None`` with the reason logged, and the caller falls back to torch.

Example::

    from newsqa.index.onnx_encoder import OnnxQueryEncoder

    encoder = OnnxQueryEncoder.load("var/models/multilingual-e5-small")  # None: no valid export
    vectors = encoder.encode([encoder.prompts["query"] + "上海自貿區是哪一天掛牌的？"])
    vectors.shape  # (1, 384), float32, unit rows
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from newsqa.index.embedder import _as_unit_float32

logger = logging.getLogger(__name__)

#: Subfolder of the model folder that holds the export.
ONNX_SUBDIR = "onnx"
#: The exported graph: input_ids, attention_mask (int64, batch x sequence) -> last_hidden_state.
MODEL_NAME = "model.onnx"
#: The tokenizer as transformers builds it for the model (saved by the export).
TOKENIZER_NAME = "tokenizer.json"
#: Written last by the export; its presence (and agreement with the weights file) means "export complete".
MANIFEST_NAME = "newsqa_onnx.json"
#: Bump whenever what newsqa.models.onnx_export writes changes; older exports are then redone.
EXPORT_VERSION = 2
#: The int8 passage encoder (:mod:`newsqa.models.onnx_int8`), beside the export, and its manifest.
INT8_NAME = "passage-int8.onnx"
INT8_MANIFEST_NAME = "newsqa_int8.json"
#: Bump whenever what newsqa.models.onnx_int8 writes changes; older int8 exports are then redone.
INT8_EXPORT_VERSION = 1
#: Weights files looked for in the Transformer module's folder, in this order.
WEIGHTS_CANDIDATES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")

_ENCODERS: dict[tuple[str, int, int], "OnnxQueryEncoder"] = {}  # (file, threads, mtime)
_ENCODERS_LOCK = threading.Lock()


class OnnxUnavailableError(RuntimeError):
    """The ONNX query encoder cannot be used for this model folder (the message says why)."""


# --------------------------------------------------------------------------- the folder


def transformer_dir(model_folder: Path) -> Path:
    """The folder of the Transformer module (``modules.json`` entry 0; usually the model folder)."""
    try:
        modules = json.loads((model_folder / "modules.json").read_text(encoding="utf-8"))
        return model_folder / (modules[0].get("path") or "")
    except (OSError, ValueError, IndexError, KeyError, TypeError, AttributeError):
        return model_folder


def weights_file(model_folder: Path) -> Path | None:
    """The Transformer's weights file (what an export is checked against), or ``None``."""
    base = transformer_dir(model_folder)
    for name in WEIGHTS_CANDIDATES:
        if (base / name).is_file():
            return base / name
    return None


def onnx_paths(model_folder: Path) -> tuple[Path, Path]:
    """(``model.onnx``, manifest) of ``model_folder``'s export."""
    folder = Path(model_folder) / ONNX_SUBDIR
    return folder / MODEL_NAME, folder / MANIFEST_NAME


def read_manifest(model_folder: Path) -> dict[str, Any] | None:
    """The export manifest, or ``None`` when absent or unreadable."""
    try:
        manifest = json.loads(onnx_paths(model_folder)[1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def check_export(model_folder: str | os.PathLike[str]) -> tuple[dict[str, Any] | None, str]:
    """(manifest, "") when ``model_folder`` holds an export that matches its weights file,
    else (None, the reason). Only reads the manifest and stats two files: fast."""
    folder = Path(model_folder)
    if not folder.is_dir():
        return None, f"{folder} is not a local model folder"
    model_path, manifest_path = onnx_paths(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return None, f"no ONNX export in {folder} ({manifest_path} is missing)"
    if manifest.get("export_version") != EXPORT_VERSION:
        return None, (
            f"the ONNX export in {folder} has version {manifest.get('export_version')!r}, "
            f"this newsqa reads version {EXPORT_VERSION}"
        )
    if not model_path.is_file():
        return None, f"{model_path} is missing"
    recorded = manifest.get("weights") or {}
    weights = folder / str(recorded.get("file", ""))
    try:
        stat = weights.stat() if recorded.get("file") else None
    except OSError:
        stat = None
    if stat is None:
        return None, f"the weights file the ONNX export was made from ({weights}) is missing"
    if stat.st_size != recorded.get("size") or stat.st_mtime_ns != recorded.get("mtime_ns"):
        return None, f"the ONNX export in {folder} is stale: {weights.name} changed after it was exported"
    tokenizer = folder / str(manifest.get("tokenizer", ""))
    if not manifest.get("tokenizer") or not tokenizer.is_file():
        return None, f"the tokenizer file of the ONNX export ({tokenizer}) is missing"
    return manifest, ""


def int8_paths(model_folder: Path) -> tuple[Path, Path]:
    """(``passage-int8.onnx``, its manifest) of ``model_folder``."""
    folder = Path(model_folder) / ONNX_SUBDIR
    return folder / INT8_NAME, folder / INT8_MANIFEST_NAME


def check_int8_export(model_folder: str | os.PathLike[str]) -> tuple[dict[str, Any] | None, str]:
    """(the int8 manifest, "") when ``model_folder`` holds an int8 passage encoder made from
    the weights its question-encoder export was made from (whose tokenizer it uses), else
    (None, the reason, saying what to run)."""
    folder = Path(model_folder)
    base, reason = check_export(folder)
    if base is None:
        return None, reason
    model_path, manifest_path = int8_paths(folder)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"no int8 passage encoder in {folder}; build it with `newsqa model --int8`"
    if not isinstance(manifest, dict) or manifest.get("export_version") != INT8_EXPORT_VERSION:
        return None, f"the int8 passage encoder in {folder} is of another version; rebuild it with `newsqa model --int8`"
    if not model_path.is_file():
        return None, f"{model_path} is missing; rebuild it with `newsqa model --int8`"
    if manifest.get("weights", {}).get("sha256") != base.get("weights", {}).get("sha256"):
        return None, f"the int8 passage encoder in {folder} is stale (other weights); rebuild it with `newsqa model --int8`"
    return manifest, ""


# --------------------------------------------------------------------------- the encoder


class OnnxQueryEncoder:
    """An ONNX Runtime session over an exported Transformer, plus the pooling of the folder.

    Use :meth:`load` (validated, cached per process); the constructor takes explicit files
    (the export uses it to check a file before publishing it).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        tokenizer_path: str | os.PathLike[str],
        *,
        max_seq_length: int,
        do_lower_case: bool = False,
        dimension: int | None = None,
        prompts: dict[str, str] | None = None,
        default_prompt_name: str | None = None,
        pad_token: str | None = None,
        pad_id: int | None = None,
        threads: int = 1,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer, normalizers

        self.model_path = Path(model_path)
        self.max_seq_length = int(max_seq_length)
        self.prompts = dict(prompts or {})
        self.default_prompt_name = default_prompt_name
        self.threads = threads

        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        if do_lower_case:  # as sentence-transformers' Transformer does: a Lowercase normaliser first
            current = tokenizer.normalizer
            steps = [normalizers.Lowercase()] + ([current] if current is not None else [])
            tokenizer.normalizer = normalizers.Sequence(steps)
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        if pad_id is None:  # padded positions are masked out; the id only has to exist
            pad_token = pad_token or "<pad>"
            pad_id = tokenizer.token_to_id(pad_token)
            if pad_id is None:
                pad_id, pad_token = 0, tokenizer.id_to_token(0) or "[PAD]"
        tokenizer.enable_padding(pad_id=int(pad_id), pad_token=pad_token or tokenizer.id_to_token(int(pad_id)) or "[PAD]")
        self._tokenizer = tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(0, int(threads))  # 0: ONNX Runtime's default (the cores)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: no "removing initializer" chatter
        self._session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        inputs = {i.name for i in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - inputs
        if missing:
            raise OnnxUnavailableError(f"{self.model_path} has no input(s) {', '.join(sorted(missing))}")
        self.dimension = int(dimension) if dimension else None

    @classmethod
    def from_manifest(cls, model_path: Path, folder: Path, manifest: dict[str, Any], *, threads: int = 1
                      ) -> "OnnxQueryEncoder":
        """An encoder over ``model_path`` with the tokenizer and pooling the export's manifest
        (of ``folder``) records; the int8 passage encoder shares the question encoder's."""
        return cls(
            model_path, folder / manifest["tokenizer"], max_seq_length=manifest["max_seq_length"],
            do_lower_case=bool(manifest.get("do_lower_case", False)), dimension=manifest.get("dimension"),
            prompts=manifest.get("prompts") or {}, default_prompt_name=manifest.get("default_prompt_name"),
            pad_token=manifest.get("pad_token"), pad_id=manifest.get("pad_id"), threads=threads,
        )

    @classmethod
    def load(cls, model_folder: str | os.PathLike[str], *, threads: int = 1) -> "OnnxQueryEncoder | None":
        """The encoder of ``model_folder``'s export (one per process, folder and thread count),
        or ``None`` with the reason logged: no export, a stale one, or no onnxruntime."""
        try:
            return cls.load_or_raise(model_folder, threads=threads)
        except OnnxUnavailableError as exc:
            logger.info("ONNX query encoder not used: %s", exc)
            return None

    @classmethod
    def load_or_raise(cls, model_folder: str | os.PathLike[str], *, threads: int = 1) -> "OnnxQueryEncoder":
        """Like :meth:`load`, but raises :class:`OnnxUnavailableError` with the reason."""
        folder = Path(model_folder).absolute()
        manifest, reason = check_export(folder)
        if manifest is None:
            raise OnnxUnavailableError(reason)
        model_path = onnx_paths(folder)[0]
        return cls._cached(model_path, folder, manifest, threads, redo="re-export with `newsqa model --force`",
                           named=f"ONNX query encoder ({threads} thread{'' if threads == 1 else 's'})")

    @classmethod
    def load_int8(cls, model_folder: str | os.PathLike[str], *, threads: int = 0) -> "OnnxQueryEncoder":
        """The int8 passage encoder of ``model_folder`` (cached like :meth:`load`); raises
        :class:`OnnxUnavailableError` saying what to run when there is none."""
        folder = Path(model_folder).absolute()
        manifest, reason = check_int8_export(folder)
        if manifest is None:
            raise OnnxUnavailableError(reason)
        base = read_manifest(folder) or {}  # its tokenizer and pooling are the question encoder's
        return cls._cached(int8_paths(folder)[0], folder, base, threads, redo="rebuild it with "
                           "`newsqa model --int8 --force`", named="int8 passage encoder")

    @classmethod
    def _cached(cls, model_path: Path, folder: Path, manifest: dict[str, Any], threads: int, *, redo: str,
                named: str) -> "OnnxQueryEncoder":
        """One encoder per process, file, thread count and file version; a file that cannot be
        loaded is :class:`OnnxUnavailableError` saying ``redo``."""
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise OnnxUnavailableError(f"onnxruntime is not importable ({exc}); pip install onnxruntime") from exc
        key = (str(model_path), int(threads), model_path.stat().st_mtime_ns)
        with _ENCODERS_LOCK:
            encoder = _ENCODERS.get(key)
            if encoder is None:
                try:
                    encoder = cls.from_manifest(model_path, folder, manifest, threads=threads)
                except OnnxUnavailableError:
                    raise
                except Exception as exc:  # a corrupt file, an unknown operator …
                    raise OnnxUnavailableError(f"cannot load {model_path} ({exc}); {redo}") from exc
                logger.info("%s: %s", named, model_path)
                _ENCODERS[key] = encoder
        return encoder

    def prompt(self, name: str) -> str:
        """The prompt string for ``name`` as ``SentenceTransformer.encode(prompt_name=…)`` resolves
        it: the named prompt when the folder defines it, else the default prompt, else ""."""
        if name in self.prompts:
            return self.prompts[name] or ""
        if self.default_prompt_name:
            return self.prompts.get(self.default_prompt_name) or ""
        return ""

    def tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(input_ids, attention_mask) as int64 arrays, padded to the longest text."""
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return ids, mask

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text (prompts already prepended by the caller)."""
        if not texts:
            return np.zeros((0, self.dimension or 0), dtype=np.float32)
        ids, mask = self.tokenize(texts)
        (hidden,) = self._session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        summed = (hidden.astype(np.float32, copy=False) * weights).sum(axis=1)
        return _as_unit_float32(summed / np.clip(weights.sum(axis=1), 1e-9, None))


def _clear_cache() -> None:
    """Forget the cached sessions (tests)."""
    with _ENCODERS_LOCK:
        _ENCODERS.clear()
