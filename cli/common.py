"""What every command shares: its settings, logging, what a user can fix (one line on stderr,
exit code 2) and how an error is shown."""

from __future__ import annotations

import argparse
import logging
import sys

logger = logging.getLogger("newsqa")

EXIT_USER_ERROR = 2


def _setup_logging(level: str, quiet: bool = False) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "sentence_transformers", "transformers", "faiss", "bm25s", "jieba", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _settings(args: argparse.Namespace):
    from newsqa.config import Settings

    return Settings.load(index_dir=getattr(args, "index", None), answer_generator=getattr(args, "generator", None))


def _printable(text: object) -> str:
    """``text`` with control characters and lone surrogates escaped (\\n, \\x1b, \\udcff)."""
    out = []
    for char in str(text):
        if char.isprintable() or char == " ":
            out.append(char if not "\ud800" <= char <= "\udfff" else char.encode("utf-8", "backslashreplace").decode())
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _json_error(question: str | bytes | None, exc: BaseException) -> dict:
    """The ``ask --json`` object for a question that got no answer: ``error`` says why."""
    if isinstance(question, bytes):  # as the gate read it, else with replacement characters
        from newsqa.question import QuestionError, decode_question_bytes

        try:
            question = decode_question_bytes(question)
        except QuestionError:
            question = question.decode("utf-8", "replace")
    return {
        "question": _printable(question or ""),
        "answer": None,
        "abstained": None,
        "citations": [],
        "error": str(exc),
        "error_kind": getattr(exc, "kind", None) or type(exc).__name__,
    }


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can fix: one line on stderr, exit code 2."""
    from pydantic import ValidationError

    from newsqa.index.embedder import ModelNotFoundError
    from newsqa.index.store import NewsIndexError
    from newsqa.ingest.readers import IngestError
    from newsqa.question import QuestionError

    return NewsIndexError, ModelNotFoundError, IngestError, QuestionError, FileNotFoundError, ValidationError


def _is_user_error(exc: BaseException) -> bool:
    return isinstance(exc, _user_errors())
