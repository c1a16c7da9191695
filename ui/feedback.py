"""Answer feedback from the chat UI: a local JSONL log, and eval rows made from it.

Each 👍/👎 in the chat appends one JSON object (one line, UTF-8) to
``settings.feedback_path`` (default ``var/feedback.jsonl``)::

    {"ts": "2024-05-01T08:30:00+00:00", "rating": "helpful",
     "question": "張江在上海自貿區擴區時納入了嗎？", "asked": "那張江呢？",
     "answer": "扩区后的自贸区新增了…张江高科技片区。[1]", "abstained": false,
     "citations": [{"n": 1, "doc_id": "ftz_expansion.txt", "source_file": "ftz_expansion.txt",
                    "title": "…", "date": "2014-12-28", "source": "新华网", "text": "…",
                    "start": 0, "end": 96, "highlight_start": 0, "highlight_end": 45}]}

``rating`` is ``helpful``, ``wrong`` or ``cleared`` (the click was taken back);
``question`` is what the pipeline answered (a follow-up already rewritten), ``asked``
what was typed; ``answer`` is the answer as returned (``[n]`` markers, the core's script);
``citations`` are the answer's citations with the cited document's ``source_file``.

:func:`feedback_to_eval_rows` turns the answers last rated *helpful* into rows of the
``newsqa eval`` question format (README, "Eval questions"), so confirmed answers become
regression questions::

    rows = feedback_to_eval_rows(Path("var/feedback.jsonl"))
    # {"id": "feedback-3f2a…", "question": …, "answers": ["<answer without [n]>"],
    #  "answer_match": "any", "article": "ftz_expansion.txt", "evidence": "<cited sentence>",
    #  "answerable": true}

or from a shell: ``python -m newsqa.ui.feedback var/feedback.jsonl > evals/feedback_qa.jsonl``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

RATINGS = ("helpful", "wrong", "cleared")

_MARKER = re.compile(r"\s*\[\d{1,3}\]")
_CITATION_FIELDS = (
    "n", "doc_id", "source_file", "title", "date", "source", "text", "start", "end",
    "highlight_start", "highlight_end",
)


def strip_markers(answer: str) -> str:
    """The answer without its ``[n]`` citation markers."""
    return _MARKER.sub("", answer or "").strip()


def feedback_record(
    rating: str,
    *,
    question: str,
    answer: str,
    citations: Iterable[Mapping[str, Any]] = (),
    asked: str | None = None,
    abstained: bool = False,
    ts: dt.datetime | None = None,
) -> dict[str, Any]:
    """One feedback line (see the module docstring for the fields)."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
    when = (ts or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return {
        "ts": when.isoformat(timespec="seconds"),
        "rating": rating,
        "question": question,
        "asked": question if asked is None else asked,
        "answer": answer,
        "abstained": bool(abstained),
        "citations": [{k: c.get(k) for k in _CITATION_FIELDS} for c in citations],
    }


class FeedbackLog:
    """Appends feedback records to a JSONL file; safe to share between threads."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() on an O_APPEND descriptor: lines of concurrent writers never interleave.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)

    def record(self, rating: str, **fields: Any) -> dict[str, Any]:
        """Build (:func:`feedback_record`) and append one record; returns it."""
        record = feedback_record(rating, **fields)
        self.append(record)
        return record


def read_feedback(path: Path | str) -> list[dict[str, Any]]:
    """The records of a feedback file, oldest first; unreadable lines are skipped with a warning."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                logger.warning("%s line %d: invalid JSON (%s); skipped", path, number, exc)
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def _cited(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The citations the answer text actually marks (all of them if it marks none)."""
    citations = [c for c in record.get("citations") or [] if isinstance(c, Mapping)]
    answer = record.get("answer") or ""
    marked = [c for c in citations if f"[{c.get('n')}]" in answer]
    return marked or citations


def _evidence(citation: Mapping[str, Any]) -> str | None:
    text = citation.get("text") or ""
    start, end = citation.get("highlight_start") or 0, citation.get("highlight_end") or 0
    sentence = text[start:end].strip() if 0 <= start < end <= len(text) else ""
    return sentence or None


def feedback_to_eval_rows(path: Path | str) -> list[dict[str, Any]]:
    """Eval rows (``newsqa eval`` JSONL format) from the answers whose last rating is helpful.

    One row per (question, answer): a later ``wrong`` or ``cleared`` for the same answer
    cancels an earlier ``helpful``. Abstentions and answers without citations are left out
    (there is no gold article to check). ``answers`` is the answer text without ``[n]``
    markers; ``article`` the cited documents' ``source_file`` (a string for one, a list for
    several); ``evidence`` the sentence the first cited passage highlights.
    """
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in read_feedback(path):
        question, answer = (record.get("question") or "").strip(), (record.get("answer") or "").strip()
        if question and answer:
            latest.pop((question, answer), None)  # keep the order of the latest rating
            latest[(question, answer)] = record
    rows: list[dict[str, Any]] = []
    for (question, answer), record in latest.items():
        if record.get("rating") != "helpful" or record.get("abstained"):
            continue
        cited = _cited(record)
        files: list[str] = []
        for c in cited:
            name = c.get("source_file") or (str(c.get("doc_id") or "").split("#", 1)[0] or None)
            if name and name not in files:
                files.append(name)
        text = strip_markers(answer)
        if not files or not text:
            continue
        digest = hashlib.sha1(f"{question}\0{text}".encode()).hexdigest()[:12]
        row: dict[str, Any] = {
            "id": f"feedback-{digest}",
            "question": question,
            "answers": [text],
            "answer_match": "any",
            "article": files[0] if len(files) == 1 else files,
        }
        evidence = _evidence(cited[0])
        if evidence:
            row["evidence"] = evidence
        row["answerable"] = True
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m newsqa.ui.feedback [FEEDBACK.jsonl]``: print the eval rows, one JSON per line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in {"-h", "--help"}):
        print("usage: python -m newsqa.ui.feedback [FEEDBACK.jsonl]  (default: settings.feedback_path)")
        return 0 if args and args[0] in {"-h", "--help"} else 2
    if args:
        path = Path(args[0])
    else:
        from newsqa.config import Settings

        settings = Settings.load()
        path = settings.resolve(settings.feedback_path)
    for row in feedback_to_eval_rows(path):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
