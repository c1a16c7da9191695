"""Dates as written in Chinese news → ISO 8601 ``YYYY-MM-DD``.

Handles ``2021-01-10``, ``2021/1/10``, ``2021.01.10``, ``2021年1月10日``,
``2021年01月10日 08:30``, full-width digits (``２０２１年１月１０日``), ISO datetimes
(``2021-01-10T08:00:00+08:00``: the date as written, no time-zone shift), compact
``20210110``, RSS/e-mail dates (``Sun, 10 Jan 2021 08:00:00 +0800``), English month names
(``Jan 10, 2021``, ``10 January 2021``) and ``1月10日`` given a ``reference_year``.
A date that does not exist (``2021年2月30日``) is None, never a guess.

Example::

    >>> normalize_date("２０２１年１月１０日 08:30")
    '2021-01-10'
    >>> normalize_date("1月10日", reference_year=2021)
    '2021-01-10'
    >>> find_date("新华社北京1月10日电（记者张三）……", reference_year=2021)
    '2021-01-10'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

MIN_YEAR, MAX_YEAR = 1800, 2200

_SEP = r"\s*[-/.]\s*"
# year-month-day with -, /, . or 年月日; a digit must not run on before or after.
_YMD = re.compile(
    rf"(?<!\d)(\d{{4}})(?:{_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?!\d)|\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*[日号號]?)"
)
_MD = re.compile(r"(?<![\d年/.-])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[T\s]?\d{2}:?\d{2}(?::?\d{2})?)?$")
_YEAR = re.compile(r"(?<!\d)((?:1[89]|20|21)\d{2})\s*年")
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EN_MDY = re.compile(rf"\b({_MONTH_NAME})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_EN_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAME})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)


def iso(year: int | str, month: int | str, day: int | str) -> str | None:
    """``YYYY-MM-DD`` for a real calendar date in a plausible range, else None."""
    try:
        y, m, d = int(year), int(month), int(day)
        if not MIN_YEAR <= y <= MAX_YEAR:
            return None
        return dt.date(y, m, d).isoformat()
    except (TypeError, ValueError):
        return None


def _fold(text: str) -> str:
    # NFKC turns full-width digits and punctuation (２０２１／１／１０, ：) into ASCII.
    return unicodedata.normalize("NFKC", text).strip()


def normalize_date(text: str, *, reference_year: int | None = None) -> str | None:
    """The ISO date that ``text`` states (the first date in it), or None.

    A month and day without a year (``1月10日``) use ``reference_year``; without one
    they give None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    s = _fold(text)
    compact = _COMPACT.match(s)
    if compact:
        return iso(*compact.groups())
    m = _YMD.search(s)
    if m:
        y, m1, d1, m2, d2 = m.groups()
        return iso(y, m1 or m2, d1 or d2)
    m = _EN_MDY.search(s)
    if m:
        return iso(m.group(3), _MONTHS[m.group(1).lower()], m.group(2))
    m = _EN_DMY.search(s)
    if m:
        return iso(m.group(3), _MONTHS[m.group(2).lower()], m.group(1))
    m = _MD.search(s)
    if m and reference_year is not None:
        return iso(reference_year, m.group(1), m.group(2))
    return None


def find_date(text: str, *, reference_year: int | None = None) -> str | None:
    """The first full date in ``text``; failing that, the first ``M月D日`` with ``reference_year``.

    Meant for the top of an article body (``（2021年1月10日）``, ``新华社北京1月10日电``).
    Only valid dates count: an impossible one is skipped, not returned.
    """
    if not text:
        return None
    s = _fold(text)
    for m in _YMD.finditer(s):
        y, m1, d1, m2, d2 = m.groups()
        found = iso(y, m1 or m2, d1 or d2)
        if found:
            return found
    if reference_year is not None:
        for m in _MD.finditer(s):
            found = iso(reference_year, m.group(1), m.group(2))
            if found:
                return found
    return None


_FULL = r"\d{4}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)|年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号號]?)"
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_DATELINES = (
    # （2021年1月10日） (2021-01-10 08:30 人民网) 【2021.1.10】 opening a line or after 本报讯/电;
    # not a bracketed date inside a sentence (「楢崎龙（1841年7月23日）」) nor a range (1841年…－1906年)
    re.compile(
        rf"(?:^|(?<=\n)|(?<=[讯訊电電]))[ \t\u3000]*[(\[【〔]\s*({_FULL}){_TIME}[^()\[\]【】〔〕\n\d]{{0,12}}[)\]】〕]"
    ),
    # 新华社北京1月10日电 / 本报北京2021年1月10日电
    re.compile(r"((?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[电電讯訊]"),
    # 发布时间：2021-01-10 08:30 / 日期: 2021年1月10日
    re.compile(rf"(?:(?:发布|發佈|發布|发表|發表|更新|出版)(?:时间|時間|日期|于|於)|日期)\s*[:：]?\s*({_FULL})"),
    # a line that is just a date (and maybe a time and a 来源)
    re.compile(rf"(?m)^[ \t]*({_FULL}){_TIME}[ \t]*(?:(?:来源|來源)[:：].{{0,20}})?[ \t]*$"),
)


def find_dateline(text: str, *, reference_year: int | None = None) -> str | None:
    """The publication date a news body states near its top, or None.

    Only dateline-like forms count, so an encyclopedic text that opens with a historical
    date (「1786年2月2日，亞洲協會……」) gets none: a full date in brackets
    (``（2021年1月10日）``), a wire dateline (``新华社北京1月10日电``: the year from
    ``reference_year``), ``发布时间：2021-01-10``, or a line that is only a date.
    The earliest such date wins.
    """
    if not text:
        return None
    s = _fold(text)
    found: list[tuple[int, str]] = []
    for pattern in _DATELINES:
        for m in pattern.finditer(s):
            date = normalize_date(m.group(1), reference_year=reference_year)
            if date:
                found.append((m.start(), date))
                break
    return min(found)[1] if found else None


def find_year(text: str) -> int | None:
    """The year of the first full date or ``YYYY年`` in ``text`` (context for ``M月D日``)."""
    if not text:
        return None
    s = _fold(text)
    candidates = []
    m = _YMD.search(s)
    if m:
        candidates.append((m.start(), int(m.group(1))))
    m = _YEAR.search(s)
    if m:
        candidates.append((m.start(), int(m.group(1))))
    return min(candidates)[1] if candidates else None


def date_from_timestamp(value: float) -> str | None:
    """A Unix timestamp (seconds, or milliseconds when it is that large) → its UTC date."""
    try:
        seconds = float(value)
        if seconds > 1e11:
            seconds /= 1000.0
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None
