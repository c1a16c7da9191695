"""「…是多少年前的事？」「…是几个月前举行的？」「距离…过去了多少年？」: how long before the day asked.

The question is asked as a when-question (「…是什么时候的事？」); the date its answer leads with,
else the first date its quoted sentence states (read against its story's date), is counted to
the day the question is asked (``as_of``, today by default) in the unit asked, and the answer
leads with the count and the date: 「67年前（1957年）：…」. Without a date fine enough for the
unit (a year, when months are asked) the when-answer is given as it is.

Example::

    asked = ElapsedQuestion.read("中法建交60周年招待会是几个月前举行的？")
    asked.when_question                          # '中法建交60周年招待会是什么时候举行的？'
    asked.unit                                   # 'month'
    asked.lead(answer, dt.date(2024, 11, 12))    # '10个月前（2024年1月25日）'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from newsqa.answer_types import detect_answer_type
from newsqa.script import Script, detect_script, to_reader_script
from newsqa.timex import TimeSpan, as_date, find_times, show_date, story_times
from newsqa.types import Answer

Unit = Literal["year", "month", "week", "day"]

_UNITS: dict[str, Unit] = {"年": "year", "月": "month", "周": "week", "週": "week", "星期": "week", "天": "day", "日": "day"}
_COUNT = r"(?:多少|幾|几)\s*(?:个|個)?\s*(年|月|週|周|星期|天|日)"
# 「X是多少年前…」「X是在几个月前…」: the count stands where the time would.
_AGO = re.compile(rf"(?:是)?(?:在)?{_COUNT}\s*(?:之前|以前|前)")
# 「距离X过去了多少年」「X距今多少年」: the count closes the question.
_SINCE = re.compile(rf"^(?:距离|距離|距)(.+?)(?:已经|已經)?(?:过去|過去)(?:了)?(?:有)?{_COUNT}")
_UNTIL_NOW = re.compile(rf"(?:距今|至今|到现在|到現在)(?:已经|已經)?(?:有)?{_COUNT}")
_GRAIN_FOR: dict[Unit, tuple[str, ...]] = {
    "year": ("year", "month", "day"),
    "month": ("month", "day"),
    "week": ("day",),
    "day": ("day",),
}
_UNIT_WORDS: dict[Unit, str] = {"year": "年", "month": "个月", "week": "周", "day": "天"}
_LEAD = re.compile(r"^([^：:\[]{4,24})[：:]")


@dataclass(frozen=True, slots=True)
class ElapsedQuestion:
    """A question asking how long ago something happened: the ``question`` as asked, the
    ``when_question`` it is answered as, and the ``unit`` the count is asked in."""

    question: str
    when_question: str
    unit: Unit

    @classmethod
    def read(cls, question: str) -> ElapsedQuestion | None:
        """The question read as asking how long ago; None for any other question, and for one
        whose rest asks something itself (「几个月前东方甄选宣布哪位员工离职？」, 「几个月前…是在什么时候
        进行的？」: there 几个月前 is a vague time, not what is asked)."""
        text = question.strip()
        when_word = "是什麼時候" if detect_script(text) == "hant" else "是什么时候"
        since = _SINCE.search(text)
        if since is not None and not since.group(1).startswith(("离", "離")):
            rest, unit_word = since.group(1), since.group(2)
            when = f"{rest}{when_word}？"
        else:
            m = _AGO.search(text) or _UNTIL_NOW.search(text)
            if m is None:
                return None
            before, after = text[: m.start()], text[m.end() :].rstrip("？?。 ")
            rest, unit_word = before + after, m.group(1)
            if m.re is _UNTIL_NOW or not before:  # 「X距今多少年」, 「几年前X…？」: ask when X
                when = f"{rest}{when_word}？"
            else:  # 「X是多少年前…的？」: the count stands where the time would
                when = f"{before}{when_word}{after}？"
        return cls(question, when, _UNITS[unit_word]) if _asks_nothing_else(rest) else None

    def lead(self, answer: Answer, as_of: dt.date) -> str | None:
        """「67年前（1957年）」 for ``answer`` (to ``when_question``) asked on ``as_of``; None
        when the answer abstained, states no date fine enough for the unit, or one after ``as_of``."""
        if answer.abstained:
            return None
        span = _answer_date(answer, self.unit)
        if span is None:
            return None
        count = _count(span.start, as_of, self.unit)
        if count <= 0:
            return None
        return f"{count}{_UNIT_WORDS[self.unit]}前（{show_date(span)}）"

    def answered(self, answer: Answer, as_of: dt.date, script: Script) -> Answer:
        """``answer`` to the when-question as the answer to this one: led by the count and the
        date (replacing a date lead of its own), in the reader's script."""
        lead = self.lead(answer, as_of)
        if lead is None:
            return replace(answer, question=self.question)
        body = answer.answer
        own = _LEAD.match(body)
        if own is not None and find_times(own.group(1)):
            body = body[own.end() :]
        return replace(answer, question=self.question, answer=f"{to_reader_script(lead, script)}：{body}")


def _asks_nothing_else(rest: str) -> bool:
    """Whether the question without its count names something (two word characters at least)
    and holds no question word of its own (``newsqa.answer_types``: its gap is empty)."""
    if len(re.sub(r"[\W_]", "", rest)) < 2:
        return False
    asked = detect_answer_type(rest)
    return asked.gap_end == asked.gap_start


def _answer_date(answer: Answer, unit: Unit) -> TimeSpan | None:
    """The date the answer leads with, else the first a cited quote states, the first citation
    first (a first quote may be a sentence without a date: 「本文属于原创文章…」)."""
    grains = _GRAIN_FOR[unit]
    own = _LEAD.match(answer.answer)
    if own is not None:
        stated = [t for t in find_times(own.group(1)) if not t.relative and t.grain in grains]
        if stated:
            return stated[0]
    for cited in answer.citations:
        quoted = cited.text[cited.highlight_start : cited.highlight_end]
        stated = [t for t in story_times(quoted, as_date(cited.date)) if t.grain in grains]
        if stated:
            return stated[0]
    return None


def _count(day: dt.date, as_of: dt.date, unit: Unit) -> int:
    """Whole units from ``day`` to ``as_of``: calendar years and months as a reader counts them
    (1957 to 2024 is 67 years), weeks and days by the calendar."""
    if unit == "year":
        return as_of.year - day.year
    if unit == "month":
        return (as_of.year - day.year) * 12 + as_of.month - day.month
    days = (as_of - day).days
    return days // 7 if unit == "week" else days
