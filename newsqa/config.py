"""One validated settings object for the whole tool.

Precedence (highest first): explicit arguments (CLI flags) > environment variables
``NEWSQA_<NAME>`` > a TOML file > defaults. The TOML file is ``$NEWSQA_CONFIG`` or
``newsqa.toml`` in the project home; its sections are flattened, so ``[answer]
generator = "extractive"`` sets ``answer_generator`` just like ``NEWSQA_ANSWER_GENERATOR``.

Example::

    settings = Settings.load(index_dir="/tmp/idx")
    settings.retrieval_top_k  # 5
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def project_home() -> Path:
    """Where relative paths are resolved: ``$NEWSQA_HOME``, else the source checkout, else cwd."""
    env = os.environ.get("NEWSQA_HOME")
    if env:
        return Path(env).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.cwd()


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``); False for
    ``0.0.0.0``, ``::``, "" (all interfaces) and any other name or address."""
    name = (host or "").strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}_{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML settings file and flattens ``[section] key`` into ``section_key``."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None):
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by __call__
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None or not self.path.is_file():
            return {}
        with self.path.open("rb") as fh:
            data = _flatten(tomllib.load(fh))
        unknown = sorted(set(data) - set(self.settings_cls.model_fields))
        if unknown:
            raise ValueError(
                f"{self.path}: unknown setting(s) {', '.join(unknown)}; "
                "see README.md, 'Configuration', for the names"
            )
        return data


def _config_file() -> Path | None:
    env = os.environ.get("NEWSQA_CONFIG")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"NEWSQA_CONFIG points at {path}, which does not exist")
        return path
    default = project_home() / "newsqa.toml"
    return default if default.is_file() else None


class Settings(BaseSettings):
    """All tunables. Paths may be relative: they are resolved against ``project_home()``."""

    model_config = SettingsConfigDict(env_prefix="NEWSQA_", extra="forbid", validate_default=True)

    # --- where things live
    corpus_dir: Path = Field(Path("data/articles"), description="Folder of bundled/added articles.")
    index_dir: Path = Field(Path("var/index"), description="Folder of the on-disk index.")
    model_dir: Path = Field(Path("var/models"), description="Where converted models are written.")

    # --- embedding
    embedding_model: str = Field(
        "var/models/multilingual-e5-small",
        description="sentence-transformers model name or folder (offline: a folder).",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    embedding_device: str = "cpu"
    embedding_query_prompt: str = "query"
    embedding_passage_prompt: str = "passage"
    embedding_dtype: Literal["float32", "bfloat16"] = Field(
        "float32", description="bfloat16: ~1.5x faster embedding on CPUs with AVX512-BF16 (cosine to float32 >= 0.998); needs a re-index."
    )
    embedding_passage_backend: Literal["auto", "torch", "onnx-int8"] = Field(
        "auto", description="What embeds passages: onnx-int8 (the int8 encoder `make model` builds; about 2x faster "
        "ingest, the same eval scores), torch, or auto: an existing index keeps the one it was built with, a new one "
        "uses onnx-int8 when the model folder has it. An index refuses a configured encoder other than its own."
    )
    embedding_query_threads: int = Field(
        1, ge=0, le=256,
        description="threads that encode a question, torch's or ONNX Runtime's (0: the library's default); 1 is fastest on shared cores."
    )
    embedding_query_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description="What encodes questions: onnx (ONNX Runtime over the export `newsqa model` writes; ~2x faster, "
        "torch's model not loaded), torch, or auto (onnx when the model folder has a valid export, else torch).",
    )

    # --- chunking (characters)
    chunk_size: int = Field(400, ge=50, le=2000, description="Target maximum chunk length.")
    chunk_overlap: int = Field(60, ge=0, le=1000, description="Characters repeated between chunks.")
    chunk_min_size: int = Field(80, ge=1, le=2000, description="Shorter tails merge into the previous chunk.")

    # --- the vector index (newsqa.index.dense); applied when the index is next saved
    index_dense_kind: Literal["auto", "flat", "ivf", "hnsw"] = Field(
        "auto", description="auto: exact (flat) below index_approx_min_chunks chunks, IVF from there on."
    )
    index_storage: Literal["fp32", "fp16", "pq"] = Field(
        "fp32", description="How vectors are kept: fp32 exact, fp16 half the memory, pq index_pq_bytes a chunk."
    )
    index_approx_min_chunks: int = Field(100_000, ge=1, description="auto: approximate search from this size on.")
    index_ivf_nprobe: int = Field(0, ge=0, le=65536, description="IVF cells scanned per question (0: nlist/16, at least 16).")
    index_hnsw_m: int = Field(32, ge=4, le=128, description="HNSW graph degree.")
    index_hnsw_ef_search: int = Field(128, ge=8, le=4096, description="HNSW search breadth.")
    index_pq_bytes: int = Field(48, ge=4, le=384, description="Bytes a vector with pq storage.")
    index_backend: Literal["faiss", "milvus"] = Field(
        "faiss", description="faiss: the index in the folder index_dir; milvus: the whole index (passages, vectors, BM25, "
        "documents, the live generation, the writer's lease) in Milvus, so servers keep no index files "
        "(pip install -e '.[milvus]'; docs/scale-out.md)."
    )
    index_milvus_uri: str = Field(
        "", description="Milvus server URI (http://host:19530) shared by every server and ingest; "
        "empty: a Milvus Lite file milvus.db in index_dir (one process at a time)."
    )
    index_milvus_collection: str = Field(
        "newsqa", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,100}$",
        description="Prefix of the Milvus collection names (one archive per prefix).",
    )
    index_milvus_token: SecretStr | None = Field(
        None, description="Milvus credentials, user:password or an API key (an https:// URI gives TLS).",
    )
    index_milvus_lease_seconds: float = Field(
        60.0, ge=2.0, le=3600.0,
        description="The Milvus writer's lease: renewed while it writes; a writer that died blocks others this long.",
    )

    # --- retrieval
    retrieval_top_k: int = Field(5, ge=1, le=100, description="Passages the answerer sees.")
    retrieval_depth: int = Field(50, ge=1, le=1000, description="Candidates taken from dense (e5) retrieval.")
    retrieval_bm25_depth: int = Field(50, ge=1, le=1000, description="Candidates taken from BM25.")
    retrieval_fusion: Literal["score", "rrf"] = Field(
        "score", description="score: weighted sum of min-max normalised scores; rrf: reciprocal rank fusion."
    )
    retrieval_rrf_k: int = Field(60, ge=1, le=1000, description="RRF constant (retrieval_fusion = rrf).")
    retrieval_dense_weight: float = Field(1.0, ge=0.0, le=100.0, description="Fusion weight of dense retrieval (0: off).")
    retrieval_bm25_weight: float = Field(2.0, ge=0.0, le=100.0, description="Fusion weight of BM25 (0: off).")
    retrieval_rerank: bool = Field(True, description="Re-rank the fused top candidates (newsqa.qa.rerank).")
    retrieval_rerank_depth: int = Field(20, ge=1, le=200, description="Fused candidates the reranker re-scores.")
    retrieval_time_weight: float = Field(
        1.0, ge=0.0, le=100.0,
        description="How strongly a question's period (「去年」, 「2021年」) is preferred in retrieval (0: off).",
    )
    retrieval_rerank_weights: Path | None = Field(
        None, description="A reranker weights JSON (default: the shipped newsqa/qa/rerank_weights.json)."
    )

    # --- answering
    answer_generator: Literal["extractive", "openai", "local"] = "extractive"
    answer_min_confidence: float = Field(
        0.26, ge=0.0, le=1.0,
        description="Below this confidence (the abstention model's P(answerable)) the answerer abstains; "
        "fitted with python -m newsqa.evals.fit_abstention: false abstentions <= 3% on DRCD TUNE.",
    )
    answer_abstention_weights: Path | None = Field(
        None, description="An abstention model weights JSON (default: the shipped newsqa/qa/abstain_weights.json)."
    )
    answer_max_sentences: int = Field(
        2, ge=1, le=10, description="Sentences an extractive answer may combine (a further one only when it scores nearly as well)."
    )
    answer_max_chars: int = Field(120, ge=10, le=2000)
    answer_traditional_variant: Literal["tw", "tw-phrases", "hk", "generic"] = Field(
        "tw",
        description="How answers from Simplified articles read in Traditional: tw (Taiwan characters: 為, "
        "著陸, 裡), tw-phrases (and Taiwan words: 軟體, 資訊; it also rewrites some wording), hk (Hong Kong "
        "forms) or generic (OpenCC's s2t: 爲, 着, 裏). "
        "People's names keep their characters (陳忠岳, not 陳忠嶽); Traditional sources are quoted as written.",
    )

    # --- generative answers (answer_generator = "openai" | "local"; newsqa.qa.generative)
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama).")
    llm_model: str = Field("", description="Model name sent to the endpoint (answer_generator = openai).")
    llm_api_key: SecretStr | None = Field(None, description="API key for llm_base_url (local servers: any).")
    llm_timeout: float = Field(120.0, gt=0, le=3600, description="Seconds before a model call gives up (then: the extractive answer).")
    llm_max_retries: int = Field(0, ge=0, le=10, description="Retries of a failed model call.")
    llm_max_tokens: int = Field(200, ge=16, le=4096, description="Longest generated answer, in tokens.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_passages: int = Field(4, ge=1, le=10, description="Top passages put in the prompt.")
    llm_passage_chars: int = Field(120, ge=40, le=2000, description="Each passage is trimmed to this many characters around its best sentences.")
    llm_condense: bool = Field(True, description="Rewrite follow-up questions with the model (else by rules).")
    llm_refusal_override: float = Field(
        0.9, ge=0.0, le=1.01,
        description="A model refusal gives way to the extractive answer when its confidence is at least this (above 1: never).",
    )
    llm_gguf_path: Path = Field(
        Path("var/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
        description="GGUF model for answer_generator = local (make llm assembles it).",
    )
    llm_threads: int = Field(0, ge=0, le=256, description="Generation threads for the local server (0: half the CPU cores).")
    llm_ctx_size: int = Field(4096, ge=512, le=131072, description="Context size of the local server.")

    @model_validator(mode="after")
    def _check_llm(self) -> "Settings":
        if self.answer_generator == "openai" and not self.llm_model:
            raise ValueError("answer_generator = openai needs llm_model (NEWSQA_LLM_MODEL), e.g. qwen2.5:7b-instruct")
        return self

    @property
    def llm_gguf_file(self) -> Path:
        return self.resolve(self.llm_gguf_path)

    # --- ingest
    ingest_max_file_bytes: int = Field(20_000_000, ge=1)

    # --- serving
    serve_host: str = "127.0.0.1"
    serve_port: int = Field(7860, ge=0, le=65535)
    serve_auth_user: str | None = Field(None, description="With serve_auth_password: basic login for the UI.")
    serve_auth_password: SecretStr | None = Field(None, description="With serve_auth_user: basic login for the UI.")
    serve_concurrency: int = Field(4, ge=1, le=64, description="Questions (chat and /ask) answered at once.")
    serve_allow_edits: bool | None = Field(
        None,
        description="Whether visitors who are not logged in may upload, index and delete articles on the archive tab "
        "(unset or auto: only when the server is bound to a loopback address). A logged-in user (serve_auth_*) always may.",
    )

    @field_validator("serve_allow_edits", mode="before")
    @classmethod
    def _auto_edits(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in {"", "auto"}:
            return None
        return value

    def edits_allowed(self, host: str | None = None) -> bool:
        """Whether archive edits are open to visitors who are not logged in, when serving on
        ``host`` (default ``serve_host``): ``serve_allow_edits`` if set, else loopback only."""
        if self.serve_allow_edits is not None:
            return self.serve_allow_edits
        return is_loopback(self.serve_host if host is None else host)

    # --- chat UI: uploads and answer feedback
    upload_max_bytes: int = Field(5_000_000, ge=1, description="Largest article file the archive tab accepts.")
    feedback_path: Path = Field(Path("var/feedback.jsonl"), description="JSONL log of the chat's 👍/👎 feedback.")
    ui_debug: bool = Field(False, description="Show the developer panels on the chat page: the /ask JSON panel and "
                           "each answer's latency (the /ask API itself is always served).")
    ui_stream_pause_ms: int = Field(30, ge=0, le=2000, description="Pause between the clauses of a chat answer as it "
                                    "is shown (0: the whole answer at once).")

    @model_validator(mode="after")
    def _check_serve_auth(self) -> "Settings":
        user, password = self.serve_auth_user, self.serve_auth_password
        if bool(user) != bool(password and password.get_secret_value()):
            raise ValueError("serve_auth_user and serve_auth_password must be set together (or neither)")
        return self

    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"log_level must be DEBUG, INFO, WARNING or ERROR, not {value!r}")
        return value

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.retrieval_dense_weight == 0 and self.retrieval_bm25_weight == 0:
            raise ValueError("retrieval_dense_weight and retrieval_bm25_weight cannot both be 0")
        if self.chunk_overlap >= self.chunk_size // 2:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be under half of chunk_size ({self.chunk_size})"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls, _config_file()))

    @classmethod
    def load(cls, **overrides: Any) -> "Settings":
        """Settings from env/TOML with ``overrides`` (``None`` values are ignored)."""
        return cls(**{k: v for k, v in overrides.items() if v is not None})

    # --- resolved paths
    def resolve(self, path: Path | str) -> Path:
        path = Path(path).expanduser()
        return path if path.is_absolute() else project_home() / path

    @property
    def corpus_path(self) -> Path:
        return self.resolve(self.corpus_dir)

    @property
    def index_path(self) -> Path:
        return self.resolve(self.index_dir)

    @property
    def uploads_path(self) -> Path:
        """Where the chat UI stores uploaded articles: with the index they are added to
        (``<index>/uploads``), so one archive's uploads never reach another."""
        return self.index_path / "uploads"

    @property
    def is_default_index(self) -> bool:
        """Whether the index is the default one, the only one the bundled sample is built into:
        the default folder, and (for an index kept in Milvus) the default collection prefix, so a
        mistyped prefix is an empty archive of its own, not one to fill with the sample."""
        fields = type(self).model_fields
        return (self.index_path == self.resolve(fields["index_dir"].default)
                and self.index_milvus_collection == fields["index_milvus_collection"].default)

    @property
    def is_bundled_corpus(self) -> bool:
        """Whether the corpus folder is the bundled sample's (not one the user set)."""
        return self.corpus_path == self.resolve(type(self).model_fields["corpus_dir"].default)

    @property
    def embedding_model_ref(self) -> str:
        """A local folder (resolved) when it exists or looks like a path, else a hub model name."""
        ref = self.embedding_model
        candidate = self.resolve(ref)
        if candidate.exists() or ref.startswith((".", "/", "~")) or ref.startswith("var/"):
            return str(candidate)
        return ref
