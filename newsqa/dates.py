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

Dates as scraped headers write them, the year possibly missing or in two digits, are
``PartialDate`` values (``read_date``): ``2023-07-29 06:53:40``, ``23-07-28 21:52``,
``202308/09``, ``[2023/08/12 09:39]``, ``07-20 17:17``, ``8-18``, ``07/31``,
``07月28日``. A year-less one gets a year only from something that states it
(``PartialDate.resolve``, ``nearest_year``); nothing here takes a year from a number in
running text.

    >>> read_date("23-07-28 21:52")
    PartialDate(month=7, day=28, year=2023)
    >>> read_date("08-18 05:47").iso() is None
    True
    >>> read_date("08-18 05:47").resolve(near="2023-08-20")
    '2023-08-18'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from newsqa.script import width_fold

MIN_YEAR, MAX_YEAR = 1800, 2200

# the separator of 2021-01-10, 2021/1/10, 2021.01.10 (shared with newsqa.timex)
DATE_SEP = r"\s*[-/.]\s*"
# 2021年1月10日 (日 may be left out): year, month, day (shared with ui.time_controls)
CN_YMD = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?"
# year-month-day with -, /, . or 年月日 (year, month, day of the one, then of the other)
_YMD_FORMS = rf"(\d{{4}}){DATE_SEP}(\d{{1,2}}){DATE_SEP}(\d{{1,2}})(?!\d)|{CN_YMD}"
# ... in running text: a digit must not run on before or after.
_YMD = re.compile(rf"(?<!\d)(?:{_YMD_FORMS})")
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


def _ymd(m: re.Match) -> tuple[str, str, str]:
    """(year, month, day) of a ``_YMD`` match, whichever form it is."""
    y1, m1, d1, y2, m2, d2 = m.groups()
    return y1 or y2, m1 or m2, d1 or d2


def normalize_date(text: str, *, reference_year: int | None = None) -> str | None:
    """The ISO date that ``text`` states (the first date in it), or None.

    A month and day without a year (``1月10日``) use ``reference_year``; without one
    they give None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    s = width_fold(text).strip()
    compact = _COMPACT.match(s)
    if compact:
        return iso(*compact.groups())
    m = _YMD.search(s)
    if m:
        return iso(*_ymd(m))
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
    s = width_fold(text).strip()
    for m in _YMD.finditer(s):
        found = iso(*_ymd(m))
        if found:
            return found
    if reference_year is not None:
        for m in _MD.finditer(s):
            found = iso(reference_year, m.group(1), m.group(2))
            if found:
                return found
    return None


_FULL = rf"(?:{_YMD_FORMS})"
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
    return _earliest_dateline(text, lambda written: normalize_date(written, reference_year=reference_year))


def find_dateline_partial(text: str) -> PartialDate | None:
    """Like ``find_dateline``, but a dateline without a year (``新华社北京1月10日电``) is
    returned as a year-less ``PartialDate`` instead of needing a reference year."""

    def read(written: str) -> PartialDate | None:
        full = normalize_date(written)
        if full:
            return _partial(*full.split("-"))
        md = _MD.search(written)
        return _partial(None, md.group(1), md.group(2)) if md else None

    return _earliest_dateline(text, read)


def _earliest_dateline(text: str, read):
    """Of each dateline form, the first match that ``read`` turns into a date; the earliest of those."""
    if not text:
        return None
    s = width_fold(text).strip()
    found = []
    for pattern in _DATELINES:
        for m in pattern.finditer(s):
            date = read(m.group(1))
            if date:
                found.append((m.start(), date))
                break
    return min(found, key=lambda f: f[0])[1] if found else None


def find_year(text: str) -> int | None:
    """The year of the first full date or ``YYYY年`` in ``text`` (context for ``M月D日``)."""
    if not text:
        return None
    s = width_fold(text).strip()
    candidates = []
    m = _YMD.search(s)
    if m:
        candidates.append((m.start(), int(_ymd(m)[0])))
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


# ---------------------------------------------------------------- dates with or without a year


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar day as written, its year possibly unknown (「08-18」, 「8月18日」).

    ``str()`` is ISO 8601: ``2023-08-18``, or ``--08-18`` without a year.
    """

    month: int
    day: int
    year: int | None = None

    def __post_init__(self) -> None:
        # a day that exists in some year (2000 is a leap year: 2月29日 is real)
        if iso(self.year if self.year is not None else 2000, self.month, self.day) is None:
            raise ValueError(f"no such date: {self.year or '--'}-{self.month:02d}-{self.day:02d}")

    def iso(self) -> str | None:
        """``YYYY-MM-DD`` when the year is known, else None."""
        return iso(self.year, self.month, self.day) if self.year is not None else None

    def resolve(self, *, year: int | None = None, near: str | dt.date | None = None) -> str | None:
        """The ISO date: its own year, else ``year``, else the year that puts it nearest ``near``
        (``12-30`` near ``2024-01-03`` is ``2023-12-30``); None when none of them is given
        (or the day does not exist in that year: 2月29日 of 2023)."""
        if self.year is not None:
            return self.iso()
        if year is not None:
            return iso(year, self.month, self.day)
        if near is not None:
            found = nearest_year(self.month, self.day, near)
            return iso(found, self.month, self.day) if found is not None else None
        return None

    def __str__(self) -> str:
        return self.iso() or f"--{self.month:02d}-{self.day:02d}"


def _partial(year: int | str | None, month: int | str, day: int | str) -> PartialDate | None:
    try:
        return PartialDate(int(month), int(day), int(year) if year is not None else None)
    except ValueError:
        return None


def full_year(two_digits: int) -> int:
    """A two-digit year as four: 00–69 → 2000s, 70–99 → 1900s (the POSIX rule)."""
    return two_digits + (2000 if two_digits < 70 else 1900)


_TIME_OF_DAY = re.compile(r"(?<![\d:])([01]?\d|2[0-3])\s*[:：]\s*([0-5]\d)(?:\s*[:：]\s*([0-5]\d))?(?![\d:])")
# forms tried in order on a header (times are never read as dates: ":" is no date separator)
_HEADER_DATES = (
    (re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?![\d:])"), "ymd"),  # 2023-07-29, 2023年07月29日
    (re.compile(r"(?<!\d)(\d{4})(\d{2})\s*[-/.]\s*(\d{1,2})(?![\d:])"), "ymd"),  # 202308/09
    (re.compile(r"(?<![\d:.])(\d{8})(?![\d:])"), "compact"),  # 20230809
    # not the tail of a longer date (「0999-01-10」 is no 「01-10」)
    (re.compile(r"(?<![\d:./\-年])(\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?![\d:.])"), "yy"),  # 23-07-28
    (re.compile(r"(?<![\d:./\-年])(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?![\d:.\-/])"), "md"),  # 07-20, 8-18, 07/31, 07月28日
)


def read_date(text: str) -> PartialDate | None:
    """The date a header or a date field writes, with or without its year, or None.

    Meant for short texts that are about a date (a scraped header such as
    「2023-07-29 06:53:40，」, 「23-07-28 21:52」, 「07-20 17:17」, 「[07/18]」), not for
    running text: any ``M-D`` there would do. A two-digit year is read with ``full_year``;
    a time of day is never taken for a date. An impossible date (``2023-02-30``) is None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    s = width_fold(text).strip()
    for pattern, kind in _HEADER_DATES:
        for m in pattern.finditer(s):
            if kind == "ymd":
                found = _partial(m.group(1), m.group(2), m.group(3))
                if found is not None and not MIN_YEAR <= (found.year or 0) <= MAX_YEAR:
                    found = None
            elif kind == "compact":
                digits = m.group(1)
                found = _partial(digits[:4], digits[4:6], digits[6:]) if MIN_YEAR <= int(digits[:4]) <= MAX_YEAR else None
            elif kind == "yy":
                found = _partial(full_year(int(m.group(1))), m.group(2), m.group(3))
            else:
                found = _partial(None, m.group(1), m.group(2))
            if found is not None:
                return found
    return None


def read_time(text: str) -> str | None:
    """The first time of day in ``text`` as written (``06:53:40``, ``17:17``), or None."""
    if not isinstance(text, str):
        return None
    m = _TIME_OF_DAY.search(width_fold(text).strip())
    if not m:
        return None
    hh, mm, ss = m.groups()
    return f"{int(hh):02d}:{mm}" + (f":{ss}" if ss else "")


def nearest_year(month: int, day: int, near: str | dt.date) -> int | None:
    """The year (``near``'s, the one before or the one after) that puts ``month``/``day``
    nearest to the date ``near`` (an ISO string or a date); None if ``near`` is not a date."""
    if isinstance(near, str):
        try:
            near = dt.date.fromisoformat(near)
        except ValueError:
            return None
    best: tuple[int, int] | None = None
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            distance = abs((dt.date(year, month, day) - near).days)
        except ValueError:
            continue
        if best is None or distance < best[0]:
            best = (distance, year)
    return best[1] if best else None
