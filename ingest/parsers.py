"""Turn the text of one article file into ``Document`` records.

Layouts recognised (plain text and Markdown):

* **人民網 style** (the bundled article): title on the first line, a ``2021-01-10 人民網``
  line (date, then the outlet), the body, and optionally a ``相關焦點`` list whose
  ``•`` items (headline line + snippet lines) each become their own document, linked
  to the article by ``parent_id``.
* **Markdown**: ``# title`` then paragraphs (the layout of the DRCD/CMRC sets).
* **Dated body**: ``2023-07-29 06:53:40，正文：…`` (the CRUD news set): date taken, body kept.
* Anything else: first non-empty line is the title, the rest is the body.

Dates go through ``normalize_date`` (``2021-01-10``, ``2021年1月10日``, full-width digits…).
When the header gives none, a dateline in the first ~200 characters of the body is
used (``（2021年1月10日）``, ``新华社北京1月10日电`` with the year mentioned elsewhere in the
article; no year anywhere → no date); ``metadata["date_from"]`` is then ``"body"``.

A document's ``text`` is its body copied character for character from the file
(citation offsets point into it); ``metadata["offset_in_file"]`` says where it starts.
A 相關焦點 item's text is its snippet and its title the headline; the list gives
no date of its own, so ``date`` is None (the parent's is in ``metadata["parent_date"]``).

Example::

    docs = ArticleParser().run(text, source_file="000_seed.txt")
    [d.title for d in docs][:2]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsqa.dates import find_dateline, find_year, iso, normalize_date
from newsqa.types import Document

RELATED_HEADING = re.compile(r"^[ \t]*(相關焦點|相关焦点)[ \t]*$", re.MULTILINE)
_BULLET = re.compile(r"^[ \t]*[•·●▪◆■]\s*(.+?)\s*$")
# \d also matches full-width digits; normalize_date folds them (and ／－．) to ASCII.
_DATE = r"(\d{4})\s*[-/.年／－．]\s*(\d{1,2})\s*[-/.月／－．]\s*(\d{1,2})\s*日?"
_DATE_SOURCE_LINE = re.compile(rf"^\s*{_DATE}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*(.*?)\s*$")
_TIME = r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
# "2023-07-29 06:53:40，正文：…" or, without the year, "07-20 17:17，正文：…" (the CRUD news layout)
_DATED_BODY = re.compile(
    rf"^\s*(?:{_DATE}{_TIME}\s*[，,]\s*(?:正文[：:])?|\d{{1,2}}[-/.月]\d{{1,2}}日?{_TIME}\s*[，,]\s*正文[：:])"
)


_SOURCE_LABEL = re.compile(r"^(?:来源|來源|稿源|出处|出處)\s*[：:]\s*")
DATELINE_WINDOW = 200  # characters at the top of a body searched for a dateline


def iso_date(year: str, month: str, day: str) -> str | None:
    """``YYYY-MM-DD`` for a real calendar date, else None (kept for callers; see ``dates.iso``)."""
    return iso(year, month, day)


@dataclass(slots=True)
class _Line:
    text: str
    start: int
    end: int


def _lines(text: str, start: int = 0, end: int | None = None) -> list[_Line]:
    end = len(text) if end is None else end
    out = []
    for m in re.finditer(r"[^\n]*", text[start:end]):
        if m.group().strip():
            out.append(_Line(m.group(), start + m.start(), start + m.end()))
    return out


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class ArticleParser:
    """Parses article text into one document, plus one per 相關焦點 item."""

    def run(self, text: str, source_file: str, doc_id: str | None = None) -> list[Document]:
        doc_id = doc_id or source_file
        text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        lines = _lines(text)
        if not lines:
            return []

        title = ""
        date = source = None
        body_start = 0
        first = lines[0]
        dated = _DATED_BODY.match(first.text)
        if first.text.lstrip().startswith("#"):
            title = first.text.lstrip().lstrip("#").strip()
            body_start = first.end
        elif dated:
            date = normalize_date(dated.group(0))
            body_start = first.start + dated.end()
        else:
            title = first.text.strip()
            body_start = first.end
            if len(lines) > 1:
                m = _DATE_SOURCE_LINE.match(lines[1].text)
                if m and len(m.group(4)) <= 30:
                    date = normalize_date(m.group(0))
                    source = _SOURCE_LABEL.sub("", m.group(4)) or None
                    body_start = lines[1].end

        if not text[body_start:].strip():  # one line only: it is the body, not a title
            title, body_start = "", first.start if not dated else body_start
        related = RELATED_HEADING.search(text, body_start)
        body_end = related.start() if related else len(text)
        b_start, b_end = _strip_span(text, body_start, body_end)
        if not title:
            title = _title_from_body(text[b_start:b_end])
        metadata: dict = {"offset_in_file": b_start}
        if date is None:
            year = find_year(title + "\n" + text[b_start:b_end])
            date = find_dateline(text[b_start : min(b_end, b_start + DATELINE_WINDOW)], reference_year=year)
            if date:
                metadata["date_from"] = "body"

        documents = [
            Document(
                doc_id=doc_id,
                title=title,
                text=text[b_start:b_end],
                date=date,
                source=source,
                source_file=source_file,
                metadata=metadata,
            )
        ]
        if related:
            documents.extend(self._related_items(text, related.end(), doc_id, source_file, date))
        return documents

    def _related_items(
        self, text: str, start: int, parent_id: str, source_file: str, date: str | None
    ) -> list[Document]:
        items: list[Document] = []
        current: tuple[str, int, int] | None = None  # headline, snippet start, snippet end

        def flush() -> None:
            if current is None:
                return
            headline, s, e = current
            s, e = _strip_span(text, s, e) if e > s else (s, s)
            items.append(
                Document(
                    doc_id=f"{parent_id}#related-{len(items) + 1}",
                    title=headline,
                    text=text[s:e],
                    date=None,
                    source=None,
                    source_file=source_file,
                    parent_id=parent_id,
                    metadata={"offset_in_file": s, "parent_date": date},
                )
            )

        for line in _lines(text, start):
            bullet = _BULLET.match(line.text)
            if bullet:
                flush()
                current = (bullet.group(1), line.end, line.end)
            elif current is not None:
                current = (current[0], current[1] if current[2] > current[1] else line.start, line.end)
        flush()
        return items


def _title_from_body(body: str, limit: int = 30) -> str:
    first = body.strip().split("\n", 1)[0]
    m = re.search(r"[。！？!?]", first)
    title = first[: m.start()] if m and m.start() > 0 else first
    return title[:limit] + ("…" if len(title) > limit else "")


title_from_body = _title_from_body  # the title of a text that has none (used by the other loaders too)
