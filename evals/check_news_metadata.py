"""Check what the project's reader makes of real news files against what each file says.

Every file of a folder (default ``../shared/data/crud_news/articles``: 500 scraped 2023
news articles, one header glued to the body: 「2023-07-29 06:53:40，正文：…」,
「08-18 05:47，正文：…」, 「来源：浙江日报 | 2023年07月29日…，正文：…」) is read with the
project's reader (``newsqa.ingest.loaders.load_file``), and each article is compared with
what its file states, found here with simple regexes of this module's own, independent
of the parser's code:

* the header: the text before the first 「正文：」 of the first line; the date written
  there (with a 4- or 2-digit year, or without a year), and the outlet after 「来源：」;
* a dateline at the top of the body: 「中新网8月6日电」, 「财联社8月9日讯」,
  「深圳新闻网2023年7月27日讯」, 「IT之家 7 月 31 日消息」 (not 「据…8月14日报道」,
  which dates someone else's report);
* 「原标题：」 at the top of the body.

Counted (hard faults, exit code 1 when any):

* **wrong year**: a date whose year differs from the header's year, or a date although
  the header states no year and no dateline with a year supports it (a year guessed
  from a number in the body, 「在2024年顺利上市」);
* **wrong date**: a date other than the header's (year right, month or day not);
* **junk title**: empty, holding a header marker (正文/来源/來源/原标题/原標題 and a colon),
  or starting with a timestamp or punctuation;
* **原标题 not the title**: the file gives 「原标题：X…」 and the title is not the start of X;
* **header in a passage**: a passage (the project's chunker over ``Document.text``)
  holding 「正文：」, or a first passage with 来源/原标题/a timestamp at its top;
* **text off the file**: ``Document.text`` is not the file's text at
  ``metadata["offset_in_file"]`` (blanked characters excepted), so citation offsets
  would not point at the file.

Reported (targets, not exit-code faults): articles **without a date where the file
states one** (a header date with a year, or a dateline with a year of its own or the
header's), **outlets missing** (or different) where the header names one, photo
credits (「董腾飞/摄」, 「图片来源/…」, 「（图源：…）」, 「（通讯员供图）」, 「视觉中国 图」) left in
passages, and the totals without date / title (a lead-derived title counts as none) / outlet.

    python -m newsqa.evals.check_news_metadata [FOLDER] [--show N]

Skips with a message (exit code 0) when the folder is absent.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.config import Settings, project_home
from newsqa.types import Document

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = Path("..") / "shared" / "data" / "crud_news" / "articles"
HARD = ("wrong_year", "wrong_date", "junk_title", "original_title_not_title", "header_in_passage", "text_off_file")
SOFT = ("no_date_where_stated", "outlet_missing", "outlet_different", "credit_in_passage")
LABELS = {
    "wrong_year": "wrong year (not the header's, or unsupported by the file)",
    "wrong_date": "wrong date (the header's year, another day)",
    "junk_title": "junk title",
    "original_title_not_title": "原标题 given but not the title",
    "header_in_passage": "header text in a passage",
    "text_off_file": "Document.text not the file's text at offset_in_file",
    "no_date_where_stated": "no date although the file states one",
    "outlet_missing": "no outlet although the header names one",
    "outlet_different": "outlet other than the header's",
    "credit_in_passage": "photo credit left in a passage",
}

# --- what the file says (this module's own regexes) ---------------------------------------

_HEADER = re.compile(r"^\ufeff?(?P<head>[^\n]{0,300}?)正文[：:]")
_FULL = (
    re.compile(r"(?<!\d)(20\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)"),  # 2023-07-29, 2023年07月29日
    re.compile(r"(?<!\d)(20\d{2})(\d{2})\s*/\s*(\d{1,2})(?!\d)"),  # 202308/09
    re.compile(r"^[\s\[]*(\d{2})-(\d{1,2})-(\d{1,2})(?![\d-])"),  # 23-07-28 (two-digit year)
)
_YEARLESS = re.compile(r"(?<![\d-])(\d{1,2})\s*[-/月]\s*(\d{1,2})(?![\d-])")
_OUTLET = re.compile(r"(?:来源|來源)\s*[：:]\s*([^\s|｜，,]+)")
_TOP_WINDOW = 160  # characters at the top of a body searched for a dateline
_DATELINE = re.compile(r"(?:(20\d{2})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:电|電|讯|訊|消息|报道|綜合|综合)")
_ORIGINAL_TITLE = re.compile(r"^\s*(?:原标题|原標題)\s*[：:]\s*")
# header markers are a word and its colon: 「据消息来源，…」 is body text, 「来源：浙江日报」 a header
_JUNK_MARKER = re.compile(r"(?:正文|来源|來源|原标题|原標題)\s*[：:]")
# 「23-08-10 23:28」, 「[2023/08/12」, 「07-20」, 「17:17」 (not 「7月26日，…」, a lead that starts with a date)
_LEADING_TIMESTAMP = re.compile(r"^\s*[\[【(（]?\s*(?:\d{1,4}\s*[-/.]\s*\d{1,2}|\d{1,2}\s*[:：]\s*\d{2})")
_LEADING_PUNCT = re.compile(r"^[\s，,。.：:、；;！!？?|｜>\]\[【】）)]")
_TOP_HEADER = re.compile(r"正文[：:]|^\s*\S{0,10}(?:来源|來源|原标题|原標題)\s*[：:]|^\s*[\[【(]?\s*\d{2,4}[-/]\d{1,2}([-/]\d{1,2})?\s+\d{1,2}:\d{2}")
_CREDIT = re.compile(
    r"[\u4e00-\u9fff]{2,4}\s*/\s*摄|(?:记者|通讯员)\s*[\u4e00-\u9fff]{2,3}\s*摄(?![影像制])"
    r"|(?<![\u4e00-\u9fff])(?:图片来源|圖片來源|图源|圖源)|[（(][^（）()]{0,20}(?:供图|供圖|截图|截圖)[）)]|视觉中国\s+图"
)


@dataclass(slots=True)
class FileFacts:
    """What one file states, read with this module's regexes."""

    header: str | None = None
    header_date: tuple[int, int, int] | None = None  # with a year
    header_month_day: tuple[int, int] | None = None  # without one
    header_outlet: str | None = None
    datelines: list[tuple[int | None, int, int]] = field(default_factory=list)
    original_title: str | None = None  # the text after 原标题：

    @property
    def stated_date(self) -> str | None:
        """The date the file states: the header's, else a dateline with a year (its own or the header's)."""
        if self.header_date:
            return "%04d-%02d-%02d" % self.header_date
        for year, month, day in self.datelines:
            if year:
                return f"{year:04d}-{month:02d}-{day:02d}"
        return None


def read_facts(text: str) -> FileFacts:
    """What ``text`` (a whole file) says about its date, outlet and title."""
    facts = FileFacts()
    m = _HEADER.match(text)
    body = text
    if m:
        head = facts.header = m.group("head")
        body = text[m.end() :]
        for pattern in _FULL:
            found = pattern.search(head)
            if found:
                y, mo, d = (int(g) for g in found.groups())
                facts.header_date = (y + 2000 if y < 100 else y, mo, d)
                break
        else:
            found = _YEARLESS.search(head)
            if found:
                facts.header_month_day = (int(found.group(1)), int(found.group(2)))
        outlet = _OUTLET.search(head)
        if outlet:
            facts.header_outlet = outlet.group(1)
    top = body.lstrip()
    original = _ORIGINAL_TITLE.match(top)
    if original:
        facts.original_title = top[original.end() : original.end() + 200]
    window = top[:_TOP_WINDOW]
    for found in _DATELINE.finditer(window):
        if "据" in window[max(0, found.start() - 12) : found.start()]:
            continue  # 「据BBC、天空新闻8月14日报道」 dates someone else's report
        year = int(found.group(1)) if found.group(1) else None
        if year is None and facts.header_date:
            year = facts.header_date[0]
        facts.datelines.append((year, int(found.group(2)), int(found.group(3))))
    return facts


# --- the checks ------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def junk_title(title: str, original_title: str | None = None) -> bool:
    """Empty, a header marker in it, or a timestamp or punctuation at its start (unless the
    file's own 原标题 starts that way: 「18:30接娃！…」 is a real headline)."""
    if not title.strip() or _JUNK_MARKER.search(title):
        return True
    if original_title is not None and _squash(original_title).startswith(_squash(title).rstrip("…")):
        return False
    return bool(_LEADING_TIMESTAMP.match(title) or _LEADING_PUNCT.match(title))


def check_document(doc: Document, facts: FileFacts, raw: str, chunks: list[str]) -> dict[str, str]:
    """The faults of one article: ``{fault: what was found}``."""
    faults: dict[str, str] = {}
    if doc.date:
        y, mo, d = (int(p) for p in doc.date.split("-"))
        if facts.header_date:
            if y != facts.header_date[0]:
                faults["wrong_year"] = f"{doc.date}, header says {facts.stated_date}"
            elif (mo, d) != facts.header_date[1:]:
                faults["wrong_date"] = f"{doc.date}, header says {facts.stated_date}"
        else:
            supported = any(year == y and (month, day) == (mo, d) for year, month, day in facts.datelines)
            if not supported:
                what = f"header {facts.header!r}" if facts.header is not None else "no header"
                faults["wrong_year"] = f"{doc.date}, but {what} and no dateline with that year"
    elif facts.stated_date:
        faults["no_date_where_stated"] = f"the file states {facts.stated_date}"

    if junk_title(doc.title, facts.original_title):
        faults["junk_title"] = repr(doc.title[:50])
    if facts.original_title is not None:
        title, given = _squash(doc.title), _squash(facts.original_title)
        if len(title) < 4 or not given.startswith(title.rstrip("…")):
            faults["original_title_not_title"] = f"title {doc.title[:40]!r}, file: 原标题：{facts.original_title[:40]!r}"

    if facts.header_outlet:
        if not doc.source:
            faults["outlet_missing"] = f"header names {facts.header_outlet!r}"
        elif facts.header_outlet not in doc.source and doc.source not in facts.header_outlet:
            faults["outlet_different"] = f"{doc.source!r}, header names {facts.header_outlet!r}"

    for n, chunk in enumerate(chunks):
        if "正文：" in chunk or "正文:" in chunk or (n == 0 and _TOP_HEADER.search(chunk[:40])):
            faults["header_in_passage"] = repr(chunk[:60])
            break
    for chunk in chunks:
        credit = _CREDIT.search(chunk)
        if credit:
            faults["credit_in_passage"] = repr(credit.group())
            break

    offset = doc.metadata.get("offset_in_file")
    if isinstance(offset, int):
        piece = raw[offset : offset + len(doc.text)]
        if len(piece) != len(doc.text) or any(a != b and not a.isspace() for a, b in zip(doc.text, piece)):
            faults["text_off_file"] = f"offset {offset}"
    return faults


@dataclass(slots=True)
class Report:
    files: int = 0
    articles: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    faults: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    stating_a_date: int = 0
    naming_an_outlet: int = 0
    no_date: int = 0
    no_title: int = 0
    no_outlet: int = 0

    @property
    def hard(self) -> int:
        return sum(len(self.faults[k]) for k in HARD)


def check_folder(folder: Path) -> Report:
    """Read every article file of ``folder`` with the project's reader and check each article."""
    from newsqa.index.chunker import SentenceChunker
    from newsqa.ingest.loaders import load_file
    from newsqa.ingest.readers import IngestError, read_text

    settings = Settings.load()
    chunker = SentenceChunker(
        max_chars=settings.chunk_size, overlap=settings.chunk_overlap, min_chars=settings.chunk_min_size
    )
    report = Report()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        report.files += 1
        try:
            raw = read_text(path, settings.ingest_max_file_bytes)
        except IngestError as exc:
            report.failed.append((path.name, exc.reason))
            continue
        raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        result = load_file(path, path.name, max_bytes=settings.ingest_max_file_bytes)
        report.failed.extend(result.failures)
        facts = read_facts(raw)
        report.stating_a_date += facts.stated_date is not None
        report.naming_an_outlet += facts.header_outlet is not None
        for doc in result.documents:
            if doc.parent_id:  # a 相關焦點 item: not what the file's header describes
                continue
            report.articles += 1
            report.no_date += doc.date is None
            report.no_title += (not doc.title.strip()) or doc.metadata.get("title_from") == "lead"
            report.no_outlet += not doc.source
            chunks = [c.text for c in chunker.run(doc)]
            for fault, what in check_document(doc, facts, raw, chunks).items():
                report.faults[fault].append((doc.doc_id, what))
    return report


def format_report(report: Report, folder: Path, show: int = 20) -> str:
    n = max(report.articles, 1)
    lines = [
        f"{folder}: {report.files} files, {report.articles} articles"
        + (f", {len(report.failed)} failed to read" if report.failed else ""),
        f"  without a date: {report.no_date}, without a title (lead-derived counts): {report.no_title}, "
        f"without an outlet: {report.no_outlet}",
        f"  files stating a date: {report.stating_a_date}; headers naming an outlet: {report.naming_an_outlet}",
        "hard faults (exit code 1 when any):",
    ]
    for key in HARD:
        lines.append(f"  {LABELS[key]}: {len(report.faults[key])}")
    lines.append("targets and notes:")
    for key in SOFT:
        count = len(report.faults[key])
        extra = f" ({100 * count / n:.1f} % of articles)" if key == "no_date_where_stated" else ""
        lines.append(f"  {LABELS[key]}: {count}{extra}")
    for key in (*HARD, *SOFT):
        offenders = report.faults[key]
        if not offenders:
            continue
        lines.append(f"{LABELS[key]}:")
        for doc_id, what in offenders[:show]:
            lines.append(f"  {doc_id}: {what}")
        if len(offenders) > show:
            lines.append(f"  … and {len(offenders) - show} more (--show N)")
    for where, reason in report.failed[:show]:
        lines.append(f"failed: {where}: {reason}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsqa.evals.check_news_metadata",
        description="Check dates, titles, outlets and passages the reader makes of news files against what "
        "each file says (header date and year, 来源, 原标题, datelines).",
    )
    parser.add_argument("folder", nargs="?", type=Path, help=f"article folder (default {DEFAULT_FOLDER})")
    parser.add_argument("--show", type=int, default=20, help="offenders listed per fault (default 20)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    folder = args.folder or (project_home() / DEFAULT_FOLDER)
    if not folder.is_dir():
        print(f"check_news_metadata: skipped: no folder {folder} (the CRUD news set lives in ../shared/data)")
        return 0
    report = check_folder(folder)
    print(format_report(report, folder, args.show))
    return 1 if report.hard else 0


if __name__ == "__main__":
    sys.exit(main())
