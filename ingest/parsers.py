"""Turn the text of one article file into ``Document`` records.

Layouts recognised (plain text and Markdown):

* **人民網 style** (the bundled article): title on the first line, a ``2021-01-10 人民網``
  line (date, then the outlet), the body, and optionally a ``相關焦點`` list whose
  ``•`` items (headline line + snippet lines) each become their own document, linked
  to the article by ``parent_id``.
* **Markdown**: ``# title`` then paragraphs (the layout of the DRCD/CMRC sets).
* **Scraped news** (the CRUD news set): a header glued to the body by 「正文：」:
  「2023-07-29 06:53:40，正文：…」, 「23-07-28 21:52，正文：」 (two-digit year),
  「07-20 17:17，正文：」 (no year), 「，正文：」 (no date), 「来源：浙江日报 | 2023年07月29日
  09:06:44，正文：」, 「[2023/08/12 09:39]，正文：」. See ``ArticleParser._read_news``.
* **Dated body** without 正文: 「2020年1月15日，…」 (the ChronoQA set): the date is the
  article's, and stays in the text when written as the lead sentence writes it (年月日,
  no time: a when-question quotes it); 「2023-08-01 09:16，…」 is a header and is not.
* Anything else: first non-empty line is the title, the rest is the body.

What scraped news carries besides the article is read into metadata and kept out of the
body: the header (``metadata["header"]``, its date, its time in ``metadata["time"]``, its
「来源：」 outlet), 「原标题：…」 (the title), 「来源：…」 at the top of the body, photo
credits (「董腾飞/摄」, 「（新华社记者安晓萌摄）」, 「通讯员供图」) and trailers
(「【编辑:叶攀】」, 「责任编辑：李园」 → ``metadata["editor"]``, 「返回搜狐，查看更多」,
「更多精彩内容请进入…」). Bylines and datelines (「封面新闻记者 刘恪生」, 「中新网8月6日电」)
stay in the body, as the start of the lead sentence, but are read: ``metadata["author"]``
when the names are clearly delimited, and the outlet (``source``) when the header names
none: 「北京日报客户端 | 记者」, 「新浪娱乐讯」, 「IT之家 7 月 31 日消息」, 「中新网兰州7月31日电」
(never from 「本报」 or 「据新华社电」, which name no outlet or someone else's).

Dates: the header's, else a dateline at the top of the body. A date without a year
(「08-18 05:47」, 「中新网8月18日电」) takes its year from a dateline that states one, else
from ``DateDefaults`` (``newsqa ingest --default-year`` / ``--date``), else it stays
unknown (``metadata["month_day"]`` keeps the day, and a warning names the file). A year is
never taken from a number in the body (「在2024年顺利上市」). ``metadata["date_from"]`` is
``header``, ``dateline`` or ``option`` (and ``year_from`` says where a missing year came from).

Titles: 「原标题：…」 when given (``metadata["title_from"] = "original"``), else the file's
title line (人民網 layout, Markdown ``#``), else the first sentence of the lead after any
byline or dateline, flagged ``metadata["title_from"] = "lead"``.

A document's ``text`` is its body copied from the file (citation offsets point into it);
``metadata["offset_in_file"]`` says where it starts, and ``text`` is exactly
``file[offset : offset + len(text)]`` except that photo credits inside the body are
blanked with spaces of the same length (``metadata["credits"]``: ``[start, end, credit]``
in ``text``), so every offset still points at the same character of the file.
A 相關焦點 item's text is its snippet and its title the headline; the list gives
no date of its own, so ``date`` is None (the parent's is in ``metadata["parent_date"]``).

Example::

    docs = ArticleParser().run(text, source_file="000_seed.txt")
    [d.title for d in docs][:2]
    ArticleParser(DateDefaults(year=2023)).run("08-18 05:47，正文：…", source_file="a.txt")[0].date
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from newsqa.dates import PartialDate, find_dateline, find_dateline_partial, iso, normalize_date, read_date, read_time
from newsqa.types import Document

from newsqa.ingest.news_pieces import (
    ORIGINAL_TITLE,
    SOURCE_TOP,
    byline_author,
    clean_title,
    credit_at,
    credit_spans,
    header_outlet,
    headline_end,
    lead_title,
    noted_original_title,
    outlet_run,
    skip_space,
    strip_span,
    top_outlet_and_dateline,
    trim_trailers,
)

logger = logging.getLogger(__name__)

RELATED_HEADING = re.compile(r"^[ \t]*(相關焦點|相关焦点)[ \t]*$", re.MULTILINE)
_BULLET = re.compile(r"^[ \t]*[•·●▪◆■]\s*(.+?)\s*$")
# \d also matches full-width digits; normalize_date folds them (and ／－．) to ASCII.
_DATE = r"(\d{4})\s*[-/.年／－．]\s*(\d{1,2})\s*[-/.月／－．]\s*(\d{1,2})\s*日?"
_DATE_SOURCE_LINE = re.compile(rf"^\s*{_DATE}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*(.*?)\s*$")
_TIME = r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
# A time of day as a sentence writes it (「19时20分」「晚」「凌晨」), the end of a range
# (「至30日」「8时至28日8时」), a time zone before the date (「北京时间」) and 「起」 after it.
_WRITTEN_TIME = r"(?:\s*(?:[上中下]午|晚间?|早上?|早晨|凌晨|傍晚|夜间?|清晨|深夜|\d{1,2}\s*[时時点點](?:\s*\d{1,2}\s*分)?(?:许|許|左右)?))*"
_UNTIL = rf"(?:\s*[至到~～－-]\s*(?:\d{{1,2}}\s*月\s*)?\d{{1,2}}\s*日{_WRITTEN_TIME})?"
_ZONE = r"(?:北京时间|北京時間|当地时间|當地時間)?"
_SINCE = r"(?:起|以来|以來)?"
# "2020年1月15日，…", 「2020年4月2日19时20分，…」, 「北京时间2021年4月22日晚，…」,
# 「2023年6月29日至30日，…」 (a dated body without 正文: the ChronoQA layout); the date is the first day.
_DATED_BODY = re.compile(rf"^\s*{_ZONE}\s*{_DATE}(?:{_TIME}|{_WRITTEN_TIME}{_UNTIL})\s*{_SINCE}\s*[，,]\s*")
# ... and when it is written as a sentence writes it (年月日, no clock time): part of the lead.
_SENTENCE_DATE = re.compile(
    rf"^\s*{_ZONE}\s*\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日{_WRITTEN_TIME}{_UNTIL}\s*{_SINCE}\s*[，,]"
)
# "<header>，正文：…" on the first line (the CRUD news layout); the header holds no sentence
_NEWS_HEADER = re.compile(r"[ \t\u3000]*(?P<head>[^\n。！？]{0,400}?)正\s?文[：:]")

_SOURCE_LABEL = re.compile(r"^(?:来源|來源|稿源|出处|出處)\s*[：:]\s*")
DATELINE_WINDOW = 200  # characters at the top of a body searched for a dateline


@dataclass(frozen=True, slots=True)
class DateDefaults:
    """What the user says about dates the files leave open (``newsqa ingest --default-year`` / ``--date``).

    ``year``: the year of a date written without one (「08-18」, 「中新网8月18日电」).
    ``date`` (ISO): the publication date of an article that states none, and the year of a
    date written without one (the year that puts it nearest ``date``). Raises ``ValueError``
    for a year outside 1800–2200 or a date that does not exist.
    """

    year: int | None = None
    date: str | None = None

    def __post_init__(self) -> None:
        if self.year is not None and iso(self.year, 1, 1) is None:
            raise ValueError(f"--default-year {self.year}: not a year between 1800 and 2200")
        if self.date is not None:
            try:
                ok = dt.date.fromisoformat(self.date).isoformat() == self.date and iso(*self.date.split("-"))
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"--date {self.date}: not a date written YYYY-MM-DD")

    def __bool__(self) -> bool:
        return self.year is not None or self.date is not None

    @property
    def option(self) -> str:
        """How the user said it: ``--default-year 2023`` or ``--date 2023-08-15``."""
        return f"--date {self.date}" if self.date else f"--default-year {self.year}" if self.year else "no option"

    def resolve(self, partial: PartialDate) -> str | None:
        """``partial``'s ISO date with the year these defaults give (None without one)."""
        return partial.resolve(year=self.year, near=self.date)


def iso_date(year: str, month: str, day: str) -> str | None:
    """``YYYY-MM-DD`` for a real calendar date, else None (kept for callers; see ``dates.iso``)."""
    return iso(year, month, day)


@dataclass(slots=True)
class _Line:
    text: str
    start: int
    end: int


def _date_source_line(lines: list, date: str | None, source: str | None, body_start: int) -> tuple:
    """The second line as 「2021-01-10 人民網」 (date, outlet; the body starts after it), not a
    lead sentence that opens with its date (「2019年8月28日，日本…。」); else unchanged."""
    if len(lines) > 1:
        m = _DATE_SOURCE_LINE.match(lines[1].text)
        if m and len(m.group(4)) <= 30 and not re.search(r"[，,。！？!?]", m.group(4)):
            return normalize_date(m.group(0)), _SOURCE_LABEL.sub("", m.group(4)) or None, lines[1].end
    return date, source, body_start


def _lines(text: str, start: int = 0, end: int | None = None) -> list[_Line]:
    end = len(text) if end is None else end
    out = []
    for m in re.finditer(r"[^\n]*", text[start:end]):
        if m.group().strip():
            out.append(_Line(m.group(), start + m.start(), start + m.end()))
    return out


class ArticleParser:
    """Parses article text into one document, plus one per 相關焦點 item.

    ``dates``: what ``newsqa ingest --default-year`` / ``--date`` said (see ``DateDefaults``).
    """

    def __init__(self, dates: DateDefaults | None = None):
        self.dates = dates or DateDefaults()

    def run(self, text: str, source_file: str, doc_id: str | None = None) -> list[Document]:
        doc_id = doc_id or source_file
        text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        lines = _lines(text)
        if not lines:
            return []

        first = lines[0]
        if not first.text.lstrip().startswith("#"):
            news = _NEWS_HEADER.match(text, first.start, first.end)
            if news:
                return self._read_news(text, doc_id, source_file, news.group("head"), news.end())

        title = ""
        date = source = None
        body_start = title_start = 0
        metadata: dict = {}
        dated = _DATED_BODY.match(first.text)
        if first.text.lstrip().startswith("#"):  # 「# 标题」, and maybe 「2024-11-24 自由時報」 under it
            title = first.text.lstrip().lstrip("#").strip()
            body_start = first.end
            date, source, body_start = _date_source_line(lines, date, source, body_start)
        elif dated:
            date = normalize_date(f"{dated.group(1)}年{dated.group(2)}月{dated.group(3)}日")
            # 「2020年1月15日，各大品牌…」: the date is the lead sentence's own words (a
            # when-question is answered by quoting it), so it stays in the text; a header
            # date with a time (「2023-08-01 09:16，…」) does not.
            body_start = first.start if _SENTENCE_DATE.match(first.text) else first.start + dated.end()
            title_start = first.start + dated.end()
        else:
            title = first.text.strip()
            body_start = first.end
            date, source, body_start = _date_source_line(lines, date, source, body_start)
        if date:
            metadata["date_from"] = "header"

        if not text[body_start:].strip():  # one line only: it is the body, not a title
            title, body_start = "", first.start if not dated else body_start
        related = RELATED_HEADING.search(text, body_start)
        body_end = related.start() if related else len(text)
        b_start, b_end = strip_span(text, body_start, body_end)
        if not title:
            title = _title_from_body(text[max(b_start, title_start) : b_end])
            metadata["title_from"] = "lead"
        metadata = {"offset_in_file": b_start, **metadata}
        lead = _DATED_BODY.match(text[b_start:b_end]) if date is None else None
        if lead:  # 「# 标题」 then 「2019年8月28日，…」: the lead's date, as for a dated body
            date = normalize_date(f"{lead.group(1)}年{lead.group(2)}月{lead.group(3)}日")
            metadata["date_from"] = "lead"
        if date is None:
            window = text[b_start : min(b_end, b_start + DATELINE_WINDOW)]
            date = dateline_date(window, self.dates, metadata, source_file)
        if date is None and self.dates.date:
            date, metadata["date_from"] = self.dates.date, "option"
        article = Document(doc_id, title, text[b_start:b_end], date, source, source_file=source_file, metadata=metadata)
        return self._with_related(article, text, related)

    def _with_related(self, article: Document, text: str, related: re.Match | None) -> list[Document]:
        """The article, then its 相關焦點 items when the file has that list."""
        if not related:
            return [article]
        return [article, *self._related_items(text, related.end(), article.doc_id, article.source_file, article.date)]

    # ------------------------------------------------------------------ dates

    def _resolve(
        self, partial: PartialDate | None, dateline: PartialDate | None, source_file: str, metadata: dict
    ) -> str | None:
        """The date of a scraped news article from its header date and its dateline."""
        date = None
        if partial is not None and partial.year is not None:
            date, metadata["date_from"] = partial.iso(), "header"
        elif partial is not None:  # 「08-18 05:47」: the year from a dateline that states one, or the user
            if dateline is not None and dateline.year is not None:
                date = partial.resolve(near=dateline.iso())
                metadata["year_from"] = "dateline"
            elif self.dates:
                date = self.dates.resolve(partial)
                metadata["year_from"] = "option"
            if date:
                metadata["date_from"] = "header"
            else:
                metadata.pop("year_from", None)
                _warn_no_year(source_file, f"the header's date {partial.month:02d}-{partial.day:02d}", metadata, partial)
        elif dateline is not None:
            date = dateline.iso()
            if date is None and self.dates:
                date = self.dates.resolve(dateline)
                if date:
                    metadata["year_from"] = "option"
            if date:
                metadata["date_from"] = "dateline"
            else:
                _warn_no_year(source_file, f"the dateline's {dateline.month}月{dateline.day}日", metadata, dateline)
        if date is None and self.dates.date:
            date, metadata["date_from"] = self.dates.date, "option"
            metadata.pop("month_day", None)
        return date

    # ------------------------------------------------------------------ scraped news

    def _read_news(self, text: str, doc_id: str, source_file: str, head: str, pos: int) -> list[Document]:
        """A scraped article: header (up to 正文：), then 原标题/来源 items, then the body."""
        metadata: dict = {}
        header = re.sub(r"\s+", " ", head).strip(" ，,")
        if header:
            metadata["header"] = header
        header_date = read_date(head)
        clock = read_time(head)
        if clock:
            metadata["time"] = clock
        source = header_outlet(head)

        related = RELATED_HEADING.search(text, pos)
        limit = related.start() if related else len(text)
        noted_title = noted_original_title(text, pos, limit)
        title = None
        glued = False  # the body starts at an outlet's name guessed inside the headline's run
        for _ in range(8):  # header items at the top of the body, in any order
            pos = skip_space(text, pos, limit)
            original = ORIGINAL_TITLE.match(text, pos)
            if original:
                title_end, pos, glued = headline_end(text, original.end(), limit, noted_title)
                title = title or clean_title(text[original.end() : title_end])
                continue
            label = SOURCE_TOP.match(text, pos)
            if label:
                outlet, pos = outlet_run(text, label.end(), limit)
                source = source or outlet
                continue
            credit = credit_at(text, pos, limit)
            if credit:
                pos = credit[1]
                continue
            break
        while pos < limit and (text[pos].isspace() or text[pos] in "，,、：:；;。！？"):
            pos += 1
        b_start, b_end = strip_span(text, pos, limit)
        b_end, editor = trim_trailers(text, b_start, b_end)
        if editor:
            metadata["editor"] = editor
        credits = credit_spans(text, b_start, b_end)
        while credits and credits[-1][1] >= b_end:  # a credit closing the body: outside the text
            b_start, b_end = strip_span(text, b_start, credits.pop()[0])
        while credits and credits[0][0] <= b_start:  # one opening it (after a 原标题's 。): outside too
            b_start, b_end = strip_span(text, credits.pop(0)[1], b_end)

        body = text[b_start:b_end]
        if credits:  # blanked, not cut: every offset in the body still points at its character of the file
            pieces, cursor = [], b_start
            for s, e in credits:
                pieces += [text[cursor:s], " " * (e - s)]
                cursor = e
            body = "".join(pieces) + text[cursor:b_end]
            metadata["credits"] = [[s - b_start, e - b_start, text[s:e]] for s, e in credits]

        top = body[:160]
        outlet, dateline = top_outlet_and_dateline(top)
        source = source or (None if glued else outlet)
        author = byline_author(top)
        if author:
            metadata["author"] = author
        if title:
            metadata["title_from"] = "original"
        elif noted_title:
            title, metadata["title_from"] = noted_title, "original"
        else:
            title, metadata["title_from"] = lead_title(body), "lead"
        date = self._resolve(header_date, dateline, source_file, metadata)
        metadata = {"offset_in_file": b_start, **metadata}
        article = Document(doc_id, title, body, date, source, source_file=source_file, metadata=metadata)
        return self._with_related(article, text, related)

    def _related_items(
        self, text: str, start: int, parent_id: str, source_file: str, date: str | None
    ) -> list[Document]:
        items: list[Document] = []
        current: tuple[str, int, int] | None = None  # headline, snippet start, snippet end

        def flush() -> None:
            if current is None:
                return
            headline, s, e = current
            s, e = strip_span(text, s, e) if e > s else (s, s)
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


def dateline_date(window: str, dates: DateDefaults, metadata: dict, where: str) -> str | None:
    """The date a dateline in ``window`` (the top of a body) states: with its own year, else the
    year ``dates`` give; a dateline with neither leaves the article undated, with a warning
    naming ``where``. Sets ``metadata["date_from"]`` (and ``year_from``, ``month_day``)."""
    partial = find_dateline_partial(window)
    if partial is None:
        return None
    date = partial.iso()
    if date is None and dates:
        date = dates.resolve(partial)
        if date:
            metadata["year_from"] = "option"
    if date is None:
        date = find_dateline(window)  # a later dateline that states its year
    if date:
        metadata["date_from"] = "dateline"
        return date
    _warn_no_year(where, f"the dateline's {partial.month}月{partial.day}日", metadata, partial)
    return None


def _warn_no_year(source_file: str, what: str, metadata: dict, partial: PartialDate) -> None:
    metadata["month_day"] = str(partial)
    logger.warning(
        "%s: %s has no year and the file states none: left undated "
        "(give `newsqa ingest --default-year YYYY` or `--date YYYY-MM-DD` to date it)",
        source_file, what,
    )


# ---------------------------------------------------------------------------- titles


def _title_from_body(body: str, limit: int = 30) -> str:
    first = body.strip().split("\n", 1)[0]
    m = re.search(r"[。！？!?]", first)
    title = first[: m.start()] if m and m.start() > 0 else first
    return title[:limit] + ("…" if len(title) > limit else "")


title_from_body = _title_from_body  # the title of a text that has none (used by the other loaders too)
