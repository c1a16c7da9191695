"""One file → ``Document`` records, whatever its format.

``load_file`` dispatches on the suffix:

* ``.txt``, ``.md`` (and a file named explicitly whatever its suffix): ``ArticleParser``;
  the body is copied exactly from the file.
* ``.html``, ``.htm``: the article text extracted with selectolax (lexbor, a real HTML5
  parser): scripts, styles, page chrome (nav/header/footer/aside/form) and blocks whose
  class or id says nav, menu, footer, breadcrumb, share, comment, related, ad… are
  dropped; the text comes from ``<article>``/``<main>`` (or ``itemprop=articleBody``),
  else from the block with the most paragraph text; paragraphs are separated by blank
  lines. Title, date, source and URL come from the page's metadata (see ``parse_html``).
* ``.json`` (one object, an array of objects, or an object holding one such array) and
  ``.jsonl`` (one object per line): ``title``, ``text`` | ``content`` | ``body``, and
  optionally ``date``, ``source``, ``url``, ``id``.

For HTML and JSON a document's ``text`` is the extracted, normalised text itself, so
citation offsets point into it. Ids: an explicit ``id``, else the ``url`` (for HTML the
canonical URL), else the file's name, ``name#n`` (n = 1-based position) for several
articles in one JSON/JSONL file. ``source_file`` is always the name.

A problem is a failure ``(where, reason)``, e.g. ``("feed.jsonl line 7", "invalid JSON:
Expecting ',' delimiter")``: the rest of the file still loads where it can. ``load_file``
never raises for a bad file: an unexpected error (a parser's, an HTML page nested deeper
than ``MAX_HTML_DEPTH``…) is one failure naming its type.

Example::

    result = load_file(Path("feed.jsonl"), "feed.jsonl", max_bytes=20_000_000)
    [d.doc_id for d in result.documents], result.failures
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsqa.dates import date_from_timestamp, normalize_date
from newsqa.ingest.html_pages import collapse_whitespace, html_to_text, parse_html
from newsqa.ingest.parsers import DATELINE_WINDOW, ArticleParser, DateDefaults, dateline_date, title_from_body
from newsqa.ingest.readers import IngestError, read_text
from newsqa.types import Document

logger = logging.getLogger(__name__)

HTML_SUFFIXES = frozenset({".html", ".htm"})
TEXT_FIELDS = ("text", "content", "body")
DATE_FIELDS = ("date", "published_at", "publish_date", "pubdate", "published")
ARRAY_FIELDS = ("articles", "items", "data", "documents", "docs", "news", "records", "results")


@dataclass(slots=True)
class LoadResult:
    """The documents one file gave, and what went wrong in it (``(where, reason)``)."""

    documents: list[Document] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def load_file(path: Path, name: str, *, max_bytes: int, dates: DateDefaults | None = None) -> LoadResult:
    """Read ``path`` and turn it into documents named after ``name`` (see the module doc).

    ``dates``: what ``newsqa ingest --default-year`` / ``--date`` said about dates the file
    leaves open (a date without a year, an article without a date).
    """
    result = LoadResult()
    suffix = path.suffix.lower()
    dates = dates or DateDefaults()
    try:
        if suffix in HTML_SUFFIXES:
            result.documents.append(parse_html(read_text(path, max_bytes, html=True), name, dates))
        elif suffix == ".json":
            _load_json(read_text(path, max_bytes), name, result, dates)
        elif suffix == ".jsonl":
            _load_jsonl(read_text(path, max_bytes), name, result, dates)
        else:
            parsed = ArticleParser(dates).run(read_text(path, max_bytes), source_file=name, doc_id=name)
            documents = [d for d in parsed if d.text.strip()]
            if not documents:
                raise IngestError(name, "no article text found in it")
            result.documents.extend(documents)
    except IngestError as exc:
        result.failures.append((name, exc.reason))
    except MemoryError:
        raise
    except Exception as exc:  # any other problem with this one file: a failure, not the end of the batch
        logger.debug("%s: %s while loading it", name, type(exc).__name__, exc_info=True)
        result.documents.clear()
        result.failures.append((name, failure_reason(exc)))
    return result


def failure_reason(exc: BaseException) -> str:
    """The reason line for an unexpected exception while loading one file (its type included)."""
    if isinstance(exc, RecursionError):
        return "its content nests too deeply to read (RecursionError)"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read it ({type(exc).__name__}: {exc.strerror})"
    detail = " ".join(str(exc).split())
    if len(detail) > 200:
        detail = detail[:200] + "…"
    return f"could not be read ({type(exc).__name__}: {detail})" if detail else f"could not be read ({type(exc).__name__})"


# ---------------------------------------------------------------------------- JSON


def _json_failure(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "invalid JSON: its arrays or objects nest too deeply to read (RecursionError)"
    return f"invalid JSON: {exc}"


def _load_json(text: str, name: str, result: LoadResult, dates: DateDefaults) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.failures.append((name, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"))
        return
    except (RecursionError, ValueError) as exc:  # nested too deeply; a number too long to convert
        result.failures.append((name, _json_failure(exc)))
        return
    if isinstance(data, dict) and not any(_text_value(data.get(f)) for f in TEXT_FIELDS):
        arrays = [data[k] for k in ARRAY_FIELDS if isinstance(data.get(k), list)]
        if len(arrays) == 1:
            data = arrays[0]
    records = data if isinstance(data, list) else [data]
    if not records:
        result.failures.append((name, "no articles in it (an empty JSON array)"))
        return
    several = len(records) > 1
    seen: dict[str, str] = {}
    for n, record in enumerate(records, 1):
        where = f"{name} item {n}" if several else name
        _add_record(record, name, n, several, where, seen, result, dates)


def _load_jsonl(text: str, name: str, result: LoadResult, dates: DateDefaults) -> None:
    # split on \n only: a JSON string may hold U+2028, which str.splitlines() would break.
    lines = [(i, line) for i, line in enumerate(text.split("\n"), 1) if line.strip()]
    if not lines:
        raise IngestError(name, "no JSON lines in it")
    several = len(lines) > 1
    seen: dict[str, str] = {}
    for n, (lineno, line) in enumerate(lines, 1):
        where = f"{name} line {lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            result.failures.append((where, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except (RecursionError, ValueError) as exc:
            result.failures.append((where, _json_failure(exc)))
            continue
        _add_record(record, name, n, several, where, seen, result, dates)


def _add_record(
    record: Any,
    name: str,
    n: int,
    several: bool,
    where: str,
    seen: dict[str, str],
    result: LoadResult,
    dates: DateDefaults,
) -> None:
    try:
        document = record_document(record, name, n, several=several, dates=dates)
    except ValueError as exc:
        result.failures.append((where, str(exc)))
        return
    except MemoryError:
        raise
    except Exception as exc:  # this record only: the file's other records still load
        logger.debug("%s: %s while reading it", where, type(exc).__name__, exc_info=True)
        result.failures.append((where, failure_reason(exc)))
        return
    if document.doc_id in seen:
        result.failures.append((where, f"duplicate id {document.doc_id!r} (also at {seen[document.doc_id]}); skipped"))
        return
    seen[document.doc_id] = where
    result.documents.append(document)


def _text_value(value: Any) -> str:
    if isinstance(value, str):
        return value if value.strip() else ""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        joined = "\n\n".join(v.strip() for v in value if v.strip())
        return joined
    return ""


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        s = str(value).strip()
        return s or None
    return None


_HTML_FRAGMENT = re.compile(
    r"<(?:p|br|div|span|a|img|strong|em|b|i|h[1-6]|ul|ol|li|table|section)\b[^>]*>", re.IGNORECASE
)


def record_document(
    record: Any, name: str, n: int = 1, *, several: bool = False, dates: DateDefaults | None = None
) -> Document:
    """One JSON object → a ``Document``; raises ``ValueError`` (the reason) when it has no article.

    Without a date field, a dateline at the top of the text dates it; a dateline without a
    year (「新华社北京1月10日电」) takes the year of ``dates`` (``--default-year``/``--date``), never
    one mentioned in the text; with none the article stays undated. An article without any
    date gets ``dates.date``.
    """
    dates = dates or DateDefaults()
    if not isinstance(record, dict):
        raise ValueError(f"not a JSON object (a {type(record).__name__})")
    raw_text = next((v for v in (_text_value(record.get(f)) for f in TEXT_FIELDS) if v), "")
    if not raw_text:
        raise ValueError('no article text (expected a non-empty "text", "content" or "body" field)')
    text = html_to_text(raw_text) if _HTML_FRAGMENT.search(raw_text) else _normalise_plain(raw_text)
    if not text:
        raise ValueError('no article text (expected a non-empty "text", "content" or "body" field)')

    metadata: dict[str, Any] = {"format": "json", "position": n}
    title = collapse_whitespace(_scalar(record.get("title")) or "") or title_from_body(text)
    date = None
    date_key = next((k for k in DATE_FIELDS if record.get(k) not in (None, "")), None)
    if date_key is not None:
        raw = record[date_key]
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            date = date_from_timestamp(raw) if raw > 10**8 else None
        elif isinstance(raw, str):
            date = normalize_date(raw)
        if date is None:
            metadata["date_raw"] = str(raw)
            logger.warning("%s: cannot read the date %r; kept as date_raw", name, raw)
    else:
        date = dateline_date(text[:DATELINE_WINDOW], dates, metadata, f"{name} item {n}" if several else name)
    if date is None and date_key is None and dates.date:
        date, metadata["date_from"] = dates.date, "option"
    url = _scalar(record.get("url"))
    explicit = _scalar(record.get("id"))
    doc_id = explicit or url or (f"{name}#{n}" if several else name)
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        date=date,
        source=_scalar(record.get("source")),
        url=url,
        source_file=name,
        metadata=metadata,
    )


def _normalise_plain(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)
