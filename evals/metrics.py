"""Scoring answers against an eval set: pure functions, no model.

An eval row (one JSON object per line of a ``.jsonl`` file)::

    {"id": "seed-001", "question": "上海自貿區是哪一天掛牌的？",
     "answers": ["2013年9月29日"], "answer_match": "any",
     "article": "000_8cf7c1ad8f2038b8.txt",
     "evidence": "2013年9月29日上海自貿區掛牌。", "answerable": true}

``answer_match`` ("any" | "all", default "any"), ``article`` (a file name or a list of
them), ``evidence`` (a sentence of the gold article), ``answerable`` (default true) and
``question_date`` (``YYYY-MM-DD``, the day the question was asked: its ``as_of``) are optional.

**Gold passage.** A passage (a chunk, or a cited span) is gold when it comes from a
gold article (``document.source_file`` matches ``article`` by basename or by relative
path) and covers at least half of the evidence's characters where the evidence sits in
that document's text (found exactly, else by a normalised search that ignores
whitespace, punctuation, character width and script). A row with neither ``article``
nor ``evidence`` is not scored for retrieval.

**Metrics** (``aggregate``): ``hit@k`` and ``mrr@10`` over scored answerable rows;
``answer_contains`` (the normalised answer contains a normalised gold answer, or all of
them for "all") over answerable rows; ``citation_accuracy`` (a cited passage is gold;
for rows without article and evidence: a cited passage contains a gold answer) over
answerable rows that did not abstain; ``abstain_recall`` over unanswerable rows;
``false_abstain_rate`` over answerable rows; ``answer_chars_median`` over answers given;
``latency_ms_p50``/``latency_ms_p95`` over all rows. A metric whose denominator is
empty is ``None`` (``null`` in JSON), never 0.

**Per row** (``RowScore``) besides the scores: ``confidence`` (``Answer.confidence``, also
when the answerer abstained, for calibration), ``answer_type`` (``Answer.answer_type`` when
the answerer sets one, else the answerer's classifier on the question:
``newsqa.answer_types.detect_answer_type``), ``split`` ("tune"/"check",
``newsqa.evals.splits``) and the top 3 retrieved passages, shortened.

Example::

    rows = load_questions(Path("evals/seed_qa.jsonl"))
    scores = [score_row(row, qa.ask(row["question"]), qa.index.get_document) for row in rows]
    report = aggregate(scores)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from newsqa.answer_types import detect_answer_type
from newsqa.dates import read_date
from newsqa.qa.spans import whole_span
from newsqa.evals.answer_match import (  # noqa: F401 - the answer tests, re-exported for the eval's callers
    _normalised_cached,
    answer_correct,
    answer_matches,
    first_clause,
    is_judgement,
    judgement_matches,
    normalize_answer,
    option_in_question,
    parts_match,
    strip_markers,
)
from newsqa.types import Answer, Document

HIT_KS: tuple[int, ...] = (1, 3, 5, 10)
MRR_K = 10

Lookup = Callable[[str], Document | None]

class QuestionFileError(ValueError):
    """A malformed eval file; the message names the file and line."""


def _label(value: Any) -> str | None:
    """A row's category field as a short label (None when absent or not text)."""
    return value.strip() if isinstance(value, str) and value.strip() else None


# --------------------------------------------------------------------------- gold spans


@lru_cache(maxsize=2048)
def locate_evidence(evidence: str, text: str) -> tuple[tuple[int, int], ...]:
    """Every ``(start, end)`` span of ``text`` that holds ``evidence``.

    Exact occurrences first; if there are none, occurrences of the normalised evidence in
    the normalised text, mapped back to offsets of ``text``.
    """
    if not evidence:
        return ()
    spans: list[tuple[int, int]] = []
    pos = text.find(evidence)
    while pos >= 0:
        spans.append((pos, pos + len(evidence)))
        pos = text.find(evidence, pos + 1)
    if spans:
        return tuple(spans)
    needle = normalize_answer(evidence)
    if not needle:
        return ()
    hay, offsets = _normalised_cached(text)
    pos = hay.find(needle)
    while pos >= 0:
        spans.append((offsets[pos], offsets[pos + len(needle) - 1] + 1))
        pos = hay.find(needle, pos + 1)
    return tuple(spans)


def covers_half(start: int, end: int, span: tuple[int, int]) -> bool:
    """Whether ``[start, end)`` overlaps at least half of ``span``."""
    s, e = span
    length = e - s
    if length <= 0:
        return False
    overlap = min(end, e) - max(start, s)
    return overlap > 0 and 2 * overlap >= length


def _path_parts(path: str) -> tuple[str, ...]:
    parts = PurePosixPath(path.replace("\\", "/")).parts
    return tuple(p for p in parts if p not in ("", ".", "/"))


def article_matches(source_file: str | None, articles: Sequence[str]) -> bool:
    """Whether ``source_file`` (relative to the ingest root) is one of ``articles``.

    Paths are compared component-wise from the end, so a bare name matches by basename
    and a relative path matches the same relative path (``a/x.txt`` is not ``b/x.txt``).
    """
    if not source_file:
        return False
    src = _path_parts(source_file)
    for article in articles:
        gold = _path_parts(article)
        if not gold or not src:
            continue
        n = min(len(gold), len(src))
        if gold[-n:] == src[-n:]:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Gold:
    """What makes a passage gold for one row."""

    articles: tuple[str, ...] = ()
    evidence: str | None = None

    @property
    def scored(self) -> bool:
        return bool(self.articles or self.evidence)

    def passage_is_gold(self, document: Document | None, start: int, end: int) -> bool:
        if document is None or not self.scored:
            return False
        if self.articles and not article_matches(document.source_file, self.articles):
            return False
        if self.evidence:
            spans = locate_evidence(self.evidence, document.text or "")
            return any(covers_half(start, end, span) for span in spans)
        return True


def gold_of(row: dict[str, Any]) -> Gold:
    article = row.get("article")
    if isinstance(article, str):
        articles = (article,) if article.strip() else ()
    else:
        articles = tuple(a for a in (article or ()) if a and a.strip())
    evidence = row.get("evidence") or None
    return Gold(articles=articles, evidence=evidence)


# --------------------------------------------------------------------------- rows


@dataclass(slots=True)
class RowScore:
    """The scores of one question (``None`` where a score does not apply to the row)."""

    id: str
    question: str
    answerable: bool
    answers: list[str]
    answer_match: str
    answer: str
    abstained: bool
    latency_ms: float
    retrieval_scored: bool = False
    gold_rank: int | None = None  # 1-based rank of the first gold passage in answer.retrieved
    contains: bool | None = None
    citation_ok: bool | None = None
    answer_chars: int | None = None
    n_retrieved: int = 0
    retrieved_titles: list[str] = field(default_factory=list)
    retrieved_snippets: list[str] = field(default_factory=list)  # the top 3 passages, shortened
    confidence: float | None = None  # Answer.confidence: the answerer abstains below its threshold
    answer_type: str | None = None
    answer_type_source: str | None = None  # "answerer" (Answer.answer_type) or "question rule"
    split: str | None = None  # "tune" | "check" (newsqa.evals.splits)
    # What the set says the question is: its ``temporal_type`` (ChronoQA: absolute, aggregate,
    # relative) or ``kind`` (the news set), and how its time is written (explicit / implicit).
    question_kind: str | None = None
    time_expression: str | None = None
    # "answered" (an answer or an abstention), "refused" (the question gate said no: it counts
    # as an abstention) or "error" (asking raised; counted as a miss, listed in the report)
    status: str = "answered"
    error: str | None = None
    # The quoted span of a citation starts or ends inside a word, number or bracket pair
    # (``newsqa.qa.spans.whole_span`` would move it); None when nothing was quoted.
    cut: bool | None = None

    def hit(self, k: int) -> bool | None:
        if not (self.answerable and self.retrieval_scored):
            return None
        return self.gold_rank is not None and self.gold_rank <= k

    def reciprocal_rank(self, k: int = MRR_K) -> float | None:
        if not (self.answerable and self.retrieval_scored):
            return None
        if self.gold_rank is None or self.gold_rank > k:
            return 0.0
        return 1.0 / self.gold_rank

    @property
    def miss_severity(self) -> int:
        """0 for a clean success; larger is worse (used to pick the worst misses)."""
        if not self.answerable:
            return 0 if self.abstained else 3
        severity = 0
        if self.abstained:
            severity += 1
        if not self.contains:
            severity += 2
        if self.retrieval_scored and self.gold_rank is None:
            severity += 1
        if self.citation_ok is False:
            severity += 1
        return severity

    def to_dict(self) -> dict[str, Any]:
        """The per-question record of ``rows.jsonl`` (scores only; the runner adds citations)."""
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answerable": self.answerable,
            "answers": list(self.answers),
            "answer_match": self.answer_match,
            "answer": self.answer,
            "abstained": self.abstained,
            "gold_rank": self.gold_rank,
        }
        for k in HIT_KS:
            out[f"hit@{k}"] = self.hit(k)
        rr = self.reciprocal_rank()
        out["rr@10"] = None if rr is None else round(rr, 4)
        out.update(
            contains=self.contains,
            citation_ok=self.citation_ok,
            answer_chars=self.answer_chars,
            latency_ms=round(float(self.latency_ms), 2),
            retrieved_titles=list(self.retrieved_titles),
            confidence=None if self.confidence is None else round(float(self.confidence), 6),
            answer_type=self.answer_type,
            answer_type_source=self.answer_type_source,
            split=self.split,
        )
        if self.question_kind:
            out["question_kind"] = self.question_kind
        if self.time_expression:
            out["time_expression"] = self.time_expression
        if self.status != "answered":
            out.update(status=self.status, error=self.error)
        if self.cut:
            out["cut"] = True
        return out


def _row_defaults(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out.setdefault("answers", [])
    out["answer_match"] = out.get("answer_match") or "any"
    if out.get("answerable") is None:
        out["answerable"] = True
    return out


def _snippet(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (a quoted span) begins or ends inside a word, number or bracket pair."""
    if not text or not 0 <= start < end <= len(text):
        return False
    return whole_span(text, start, end) != (start, end)


def score_row(row: dict[str, Any], answer: Answer, lookup: Lookup | None = None) -> RowScore:
    """Score one answer against its eval row.

    ``lookup(doc_id)`` resolves the documents of cited passages that are not among
    ``answer.retrieved`` (it may return ``None``).
    """
    from .splits import split_of

    row = _row_defaults(row)
    gold = gold_of(row)
    answerable = bool(row["answerable"])
    golds = [str(a) for a in row["answers"]]
    mode = row["answer_match"]

    score = RowScore(
        id=str(row.get("id", "")),
        question=str(row.get("question", answer.question)),
        answerable=answerable,
        answers=golds,
        answer_match=mode,
        answer=answer.answer,
        abstained=bool(answer.abstained),
        latency_ms=float(answer.latency_ms or 0.0),
        n_retrieved=len(answer.retrieved),
        retrieved_titles=[rc.document.title for rc in answer.retrieved[:5]],
        retrieved_snippets=[_snippet(rc.chunk.text) for rc in answer.retrieved[:3]],
        split=split_of(row),
        question_kind=_label(row.get("temporal_type") or row.get("kind")),
        time_expression=_label(row.get("temporal_expression_type")),
    )
    confidence = getattr(answer, "confidence", None)
    score.confidence = None if confidence is None else float(confidence)
    answer_type = getattr(answer, "answer_type", None)
    if answer_type:
        score.answer_type, score.answer_type_source = str(answer_type), "answerer"
    else:
        score.answer_type = detect_answer_type(score.question).type
        score.answer_type_source = "question rule"
    if not answer.abstained:
        score.answer_chars = len(strip_markers(answer.answer).strip())
        score.cut = any(_cut(c.text, c.highlight_start, c.highlight_end) for c in answer.citations)
    if not answerable:
        return score

    score.retrieval_scored = gold.scored
    if gold.scored:
        for rank, rc in enumerate(answer.retrieved, start=1):
            if gold.passage_is_gold(rc.document, rc.chunk.start, rc.chunk.end):
                score.gold_rank = rank
                break

    score.contains = (not answer.abstained) and answer_correct(score.question, answer.answer, golds, mode)

    if not answer.abstained:
        docs = {rc.document.doc_id: rc.document for rc in answer.retrieved}
        ok = False
        for citation in answer.citations:
            if gold.scored:
                document = docs.get(citation.doc_id)
                if document is None and lookup is not None:
                    try:
                        document = lookup(citation.doc_id)
                    except KeyError:
                        document = None
                if document is None and not gold.articles and citation.text:
                    # Unknown document, evidence-only row: judge the quoted passage itself.
                    ok = any(covers_half(0, len(citation.text), s)
                             for s in locate_evidence(gold.evidence or "", citation.text))
                else:
                    ok = gold.passage_is_gold(document, citation.start, citation.end)
            else:
                ok = answer_matches(citation.text, golds, "any")
            if ok:
                break
        score.citation_ok = ok
    return score


# --------------------------------------------------------------------------- aggregate


def _ratio(values: Iterable[bool | float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return None
    return round(sum(vals) / len(vals), 4)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100) with linear interpolation; ``None`` for no values."""
    vals = sorted(float(v) for v in values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def aggregate(row_scores: Sequence[RowScore], ks: Iterable[int] = HIT_KS) -> dict[str, Any]:
    """The report's metrics. Ratios are in [0, 1]; an empty denominator gives ``None``."""
    rows = list(row_scores)
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    scored = [r for r in answerable if r.retrieval_scored]
    answered = [r for r in answerable if not r.abstained]
    ks = sorted(set(HIT_KS) | set(ks))

    report: dict[str, Any] = {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "n_retrieval_scored": len(scored),
        "n_abstained": sum(r.abstained for r in rows),
        "n_refused": sum(r.status == "refused" for r in rows),
        "n_errors": sum(r.status == "error" for r in rows),
        "n_answers_cut": sum(bool(r.cut) for r in rows),
    }
    for k in ks:
        report[f"hit@{k}"] = _ratio(r.hit(k) for r in scored)
    report[f"mrr@{MRR_K}"] = _ratio(r.reciprocal_rank(MRR_K) for r in scored)
    report["answer_contains"] = _ratio(r.contains for r in answerable)
    report["citation_accuracy"] = _ratio(r.citation_ok for r in answered)
    report["abstain_recall"] = _ratio(r.abstained for r in unanswerable)
    report["false_abstain_rate"] = _ratio(r.abstained for r in answerable)
    lengths = [r.answer_chars for r in rows if not r.abstained and r.answer_chars is not None]
    report["answer_chars_median"] = statistics.median(lengths) if lengths else None
    latencies = [r.latency_ms for r in rows]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    report["latency_ms_p50"] = None if p50 is None else round(p50, 1)
    report["latency_ms_p95"] = None if p95 is None else round(p95, 1)
    return report


# --------------------------------------------------------------------------- loading


def _validate_row(data: Any) -> str | None:
    """What is wrong with one parsed row, or ``None``."""
    if not isinstance(data, dict):
        return f"expected a JSON object, got {type(data).__name__}"
    if not isinstance(data.get("id"), str) or not data["id"].strip():
        return "'id' must be a non-empty string"
    if not isinstance(data.get("question"), str):  # an empty one is asked, and refused by the question gate
        return "'question' must be a string"
    answers = data.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        return "'answers' must be a list of non-empty strings"
    answerable = data.get("answerable", True)
    if not isinstance(answerable, bool):
        return "'answerable' must be true or false"
    if answerable and not answers:
        return "an answerable row needs at least one entry in 'answers'"
    if not answerable and answers:
        return "an unanswerable row must have \"answers\": []"
    match = data.get("answer_match", "any")
    if match not in ("any", "all"):
        return f"'answer_match' must be \"any\" or \"all\", not {match!r}"
    article = data.get("article")
    if article is not None:
        if isinstance(article, str):
            if not article.strip():
                return "'article' must not be empty"
        elif not (isinstance(article, list) and article and all(isinstance(a, str) and a.strip() for a in article)):
            return "'article' must be a file name or a non-empty list of file names"
    evidence = data.get("evidence")
    if evidence is not None and (not isinstance(evidence, str) or not evidence.strip()):
        return "'evidence' must be a non-empty string"
    if data.get("question_date") is not None:
        try:
            question_day(data)
        except ValueError as exc:
            return str(exc)
    return None


def question_day(row: dict[str, Any]) -> dt.date | None:
    """The day a row's question was asked (``question_date``), or None when it has none.

    Read as a written date with its year (``2024-11-12``, ``2024-6-15``, ``2024年6月15日``,
    even ``2024-1月20日`` as one ChronoQA row writes it); ``ValueError`` when it is not one.
    """
    value = row.get("question_date")
    if value is None:
        return None
    found = read_date(value) if isinstance(value, str) else None
    if found is None or found.iso() is None:
        raise ValueError(f"'question_date' (the day it was asked) must be a date like 2024-11-12, not {value!r}")
    return dt.date.fromisoformat(found.iso())


def load_questions(path: Path | str, limit: int | None = None) -> list[dict[str, Any]]:
    """Read and validate an eval file (JSON Lines; blank lines are skipped).

    Returns the rows with defaults filled in (``answer_match`` "any", ``answerable``
    true). Raises ``QuestionFileError`` naming the line of the first bad row, and
    ``FileNotFoundError`` for a missing file.
    """
    path = Path(path)
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be positive, not {limit}")
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QuestionFileError(f"{path}, line {lineno}: not valid JSON ({exc.msg})") from exc
            problem = _validate_row(data)
            if problem:
                raise QuestionFileError(f"{path}, line {lineno}: {problem}")
            if data["id"] in seen:
                raise QuestionFileError(
                    f"{path}, line {lineno}: duplicate id {data['id']!r} (first on line {seen[data['id']]})"
                )
            seen[data["id"]] = lineno
            rows.append(_row_defaults(data))
            if limit is not None and len(rows) >= limit:
                break
    if not rows:
        raise QuestionFileError(f"{path}: no questions in the file")
    return rows
