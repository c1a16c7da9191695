"""Time in retrieval: prefer the passages of the period a question names; keep only those of a range.

A question that names a time (「2021年」, 「去年9月」, 「上周」: ``newsqa.timex``, read against
the reference date ``as_of``) gets a *soft* preference: each candidate passage gets a fit

* ``IN_PERIOD`` (+1) when its article's date falls in a named period, or a date its text
  states (「2021年1月24日，…」, 「去年9月」 read against the article's date) lies within
  one (a coarser one does not: 「2021年」 in the text is no evidence for 2021年8月21日);
* ``OTHER_YEAR`` (−1) when its article is dated in a year none of the periods touches and
  its text states no date of the period;
* 0 otherwise (an undated article, or the right year but outside a finer period),

and ``weight × fit`` is added to its score, so a passage of another year is passed over
only when it is not clearly better. A question that names no time is left exactly as it
was: no fit is computed and nothing is added.

``DateRange`` (``--since/--until``) is a *hard* filter: passages of articles outside it,
and undated ones, are never returned.

Example::

    when = TimeQuery.read("去年9月哪个飓风袭击了利比亚？", as_of="2024-11-12")
    when.periods[0].text                            # '去年9月'
    period_fit(when.periods, "2023-09-11", "…")     # 1.0
    period_fit(when.periods, "2021-09-01", "…")     # -1.0
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsqa.script import Script, in_script
from newsqa.timex import DateRange, TimeSpan, as_date, find_times, reference_day
from newsqa.types import Answer

IN_PERIOD, OTHER_YEAR = 1.0, -1.0


@dataclass(frozen=True, slots=True)
class TimeQuery:
    """What a question says about time: the periods it names, read against ``as_of``,
    and the hard ``within`` range (None: no filter)."""

    as_of: dt.date
    periods: tuple[TimeSpan, ...] = ()
    within: DateRange | None = None

    @classmethod
    def read(cls, question: str, as_of: dt.date | str | None = None, within: DateRange | None = None) -> TimeQuery:
        ref = reference_day(as_of)
        return cls(ref, tuple(find_times(question, ref)), within if within is not None and within.bounded else None)

    @property
    def untouched(self) -> bool:
        """True when retrieval goes exactly as without time: no period and no range."""
        return not self.periods and self.within is None


@lru_cache(maxsize=16384)
def text_times(text: str, article_date: str | None) -> tuple[TimeSpan, ...]:
    """The periods a passage states, its relative ones read against its article's date."""
    return tuple(find_times(text, as_date(article_date)))


def period_fit(periods: Sequence[TimeSpan], article_date: str | None, text: str = "") -> float:
    """How a passage (its article's date, its text) fits the question's ``periods``:
    ``IN_PERIOD``, ``OTHER_YEAR`` or 0 (see the module docstring)."""
    if not periods:
        return 0.0
    day = as_date(article_date)
    if day is not None and any(p.contains(day) for p in periods):
        return IN_PERIOD
    if text and any(p.start <= t.start and t.end <= p.end for t in text_times(text, article_date) for p in periods):
        return IN_PERIOD
    if day is not None and not any(day.year in p.years for p in periods):
        return OTHER_YEAR
    return 0.0


_YEARLESS = re.compile(r"\s*[\d〇零一二两三四五六七八九十]+\s*月")
# The note an answer gets when every story it cites is of another year than the question asks.
_NOTE: dict[Script, str] = {
    script: in_script("（注意：引用的报道日期为{dates}，不在问题所问的「{asked}」（{span}）。）", script)
    for script in ("hans", "hant")
}


def other_period_note(question: str, answer: Answer, as_of: dt.date | str | None = None) -> str:
    """A note saying that every story ``answer`` cites is of another year than the period
    ``question`` names (「去年」 asked on 2025-06-01, answered from a 2023 story): the
    preference for the period is soft, so the reader is told. "" when the answer abstained,
    the question names no period, or a cited story fits it (or is undated)."""
    if answer.abstained or not answer.citations:
        return ""
    periods = [p for p in TimeQuery.read(question, as_of).periods if not _YEARLESS.match(p.text)]
    if not periods:  # none, or only 「7月10日」, whose year the asker did not say
        return ""
    fits = [period_fit(periods, c.date, c.text) for c in answer.citations]  # the passage may state the period
    if any(fit != OTHER_YEAR for fit in fits):
        return ""
    asked = periods[0]
    dates = "、".join(dict.fromkeys(c.date for c in answer.citations if c.date))
    span = asked.start.isoformat() if asked.start == asked.end else f"{asked.start.isoformat()}至{asked.end.isoformat()}"
    return _NOTE[answer.script if answer.script in _NOTE else "hant"].format(dates=dates, asked=asked.text, span=span)
