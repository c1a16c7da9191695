"""「2023年8月发生了什么事？」: what the archive reported in a period, as a short dated list.

A question that asks what happened, or what news there was, in a period and names nothing
else (「2023年8月发生了什么事？」, 「上個月有什麼新聞？」, 「去年9月有哪些大事」, 「8月1日的新闻」)
is not a question retrieval can answer: no passage says "this is what happened in August".
It is answered from the stories' dates instead: the archive's articles dated in the period,
in date order, at most ``DIGEST_SIZE`` of them (spread over the period when there are more),
each with its date and title and a citation of its lead passage. A question that names
anything besides the period (「上個月有什麼颱風？」, 「8月成都发生了什么？」) is left to retrieval,
which prefers the period's passages (``newsqa.qa.periods``).

Example::

    asked = DigestQuestion.read("2023年8月发生了什么事？", as_of=dt.date(2023, 9, 15))
    asked.period.text                                   # '2023年8月'
    answer = digest_answer(asked, index.documents.values(), first_passage)   # 「2023年8月的报道有12篇，例如：8月1日，…[1]；…」
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from newsqa.script import Script, detect_script, fold, in_script
from newsqa.timex import DateRange, TimeSpan, as_date, find_times, reference_day, show_date
from newsqa.types import Answer, Chunk, Document, RetrievedChunk

__all__ = ["DIGEST_SIZE", "DigestQuestion", "digest_answer"]

DIGEST_SIZE = 5

# What is left of the (folded) question once its period is taken out: a bare ask for news.
_BARE_ASK = re.compile(
    r"(?:在|于)?(?:的|里|内|期间|当天|当月|那天|那个月|这个月)?"
    r"(?:(?:都|还|又)?(?:发生了|发生过|发生|出了|有过|有)(?:些|哪些|什么|甚么|啥)(?:大事|事情|事件|事|新闻|消息|报道)?"
    r"|(?:的|有)?(?:新闻|大事|报道|消息)(?:有哪些|有什么|是什么)?)"
    r"(?:呢|吗|啊)?"
)
_PUNCTUATION = re.compile(r"[\s?？!！。，,、:：;；]+")
_SENTENCE_END = re.compile(r"[。！？!?]")

_WORDS: dict[Script, dict[str, str]] = {
    "hans": {"reports": "的报道有{n}篇", "some": "，例如：", "all": "：", "none": "资料中没有{period}的报道。"},
    "hant": {"reports": "的報導有{n}篇", "some": "，例如：", "all": "：", "none": "資料中沒有{period}的報導。"},
}


@dataclass(frozen=True, slots=True)
class DigestQuestion:
    """A bare ask for what happened in ``period`` (read against the day it is asked)."""

    question: str
    period: TimeSpan

    @classmethod
    def read(cls, question: str, as_of: dt.date | str | None = None) -> DigestQuestion | None:
        """The period ``question`` asks about when it asks nothing else; else None."""
        periods = find_times(question, reference_day(as_of))
        if len(periods) != 1:
            return None
        period = periods[0]
        rest = question[: period.offset] + question[period.offset + len(period.text) :]
        rest = _PUNCTUATION.sub("", fold(rest))
        if not rest or not _BARE_ASK.fullmatch(rest):
            return None
        return cls(question, period)


def digest_answer(asked: DigestQuestion, documents: Iterable[Document], lead: Callable[[str], Chunk | None],
                  within: DateRange | None = None, *, weight: Callable[[Document], tuple] | None = None,
                  size: int = DIGEST_SIZE) -> Answer:
    """The dated list of the stories in ``asked.period`` (and ``within``), each cited with
    ``lead(doc_id)``, its first passage (a ``Chunk``; None: the story is left out). With more
    stories than ``size``, the period's stories are cut into ``size`` runs in date order and
    the heaviest of each run is listed (``weight``, e.g. how many outlets carried it; the
    earliest of equals)."""
    script = detect_script(asked.question)
    words = _WORDS[script]
    period_text = show_date(asked.period)
    dated = sorted(
        (d for d in documents if asked.period.contains(d.date) and (within is None or within.contains(d.date))),
        key=lambda d: (d.date, d.doc_id),
    )
    leads = {d.doc_id: chunk for d in dated if (chunk := lead(d.doc_id)) is not None}
    dated = [d for d in dated if d.doc_id in leads]
    heaviest = weight or (lambda d: (0,))  # all equal: the earliest of each run
    picked = [(d, leads[d.doc_id]) for d in (max(run, key=heaviest) for run in _runs(dated, size))]
    if not picked:
        return Answer(asked.question, words["none"].format(period=period_text), True, [], script=script,
                      confidence=0.0, answer_type="list")
    retrieved = [RetrievedChunk(chunk, doc, 1.0) for doc, chunk in picked]
    citations = [hit.citation(n, *_lead_sentence(hit.chunk)) for n, hit in enumerate(retrieved, 1)]
    items = [f"{_day(doc.date, asked.period)}，{in_script(doc.title, script)}[{n}]" for n, (doc, _) in enumerate(picked, 1)]
    text = (words["reports"].format(n=len(dated)) + (words["some"] if len(dated) > len(picked) else words["all"])
            + "；".join(items) + "。")
    return Answer(asked.question, period_text + text, False, citations, script=script, retrieved=retrieved,
                  confidence=1.0, answer_type="list")


def _runs(items: Sequence[Document], size: int) -> list[Sequence[Document]]:
    """``items`` cut into at most ``size`` consecutive runs of (nearly) equal length."""
    count = min(size, len(items))
    return [items[i * len(items) // count : (i + 1) * len(items) // count] for i in range(count)]


def _day(date: str | None, period: TimeSpan) -> str:
    """An article's day as the list shows it: without the year when the period is within one year."""
    day = as_date(date)
    if day is None:
        return ""
    if period.start.year == period.end.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _lead_sentence(chunk: Chunk) -> tuple[int, int]:
    """The offsets of the passage's first sentence, which the citation highlights."""
    end = _SENTENCE_END.search(chunk.text)
    return 0, (end.end() if end else len(chunk.text))
