"""Questions that ask two things at once, split into one question a part.

「2024年4月，小米汽车和吕孟洋分别有什么重要事件？」 asks about two subjects; 「A股市场在2020年11月
和2021年6月的表现分别如何？」 about two periods; 「2023年8月21日，证监会发布了什么重要信息，以及毛伊岛
火灾失联人数是多少？」 two questions in one. Retrieval for the whole finds passages about one part at
best, so each part is asked on its own and the answers are joined, each keeping its citations
(``newsqa.qa.pipeline``). A question about several events' dates (「A和B分别是什么时候？」) is not
split here: ``newsqa.qa.events`` computes it.

Example::

    asked = PartsQuestion.read("2024年4月，小米汽车和吕孟洋分别有什么重要事件？")
    asked.parts   # ('2024年4月，小米汽车有什么重要事件？', '2024年4月，吕孟洋有什么重要事件？')
    joined = join_parts(asked, [qa.ask(part) for part in asked.parts])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from newsqa.chinese import JOINING_AND
from newsqa.script import Script, detect_script, fold, in_both_scripts
from newsqa.timex import find_times
from newsqa.types import Answer, Citation

MAX_PARTS = 4
MIN_PART_CHARS = 2

# 「分别」「各自」 ask the same thing of each item of the list before them.
_EACH = re.compile(r"分别|各自")
# A second question after a comma: 「…是什么，以及…是多少？」.
_ALSO = re.compile(r"[，,；;]\s*(?:以及|与此同时|同时|并且|而且|另外|此外|还有|且|而(?![不非是]))")  # not 「，而不是」
_ASKING = re.compile(r"什么|哪|多少|几|谁|如何|怎样|怎么|何|吗|是否")
_LIST_SEP = re.compile(rf"以及|{JOINING_AND}|与|及|、")
_TOP_SEP = re.compile(r"以及")
_CLAUSE = re.compile(r"[，,；;：:]")
_TIME_GAP = re.compile(rf"\s*(?:以及|{JOINING_AND}|与|及|、)\s*")
_END = "？?。！!"
_MARK = re.compile(r"\[(\d+)\]")
_JOIN: dict[Script, dict[str, str]] = in_both_scripts({"none": "资料中没有相关内容。"})


@dataclass(frozen=True, slots=True)
class PartsQuestion:
    """A question read as ``parts``: one complete question per thing it asks."""

    question: str
    parts: tuple[str, ...]

    @classmethod
    def read(cls, question: str) -> PartsQuestion | None:
        """The parts of ``question``, or None when it asks one thing."""
        folded = fold(question)
        if len(folded) != len(question):  # positions found in the folded text must hold in the question
            return None
        parts = _each_parts(question, folded) or _also_parts(question, folded)
        if not parts or not 2 <= len(parts) <= MAX_PARTS:
            return None
        return cls(question, tuple(parts))


def _ending(question: str) -> str:
    return question[-1] if question and question[-1] in _END else "？"


def _each_parts(question: str, folded: str) -> list[str] | None:
    """「[前言，]A和B分别…」: the list before 分别, or a list of times anywhere before it (with a
    list of as many subjects, paired: 「2022年9月和2023年7月，黑龙江省和深圳分别…」)."""
    each = _EACH.search(folded)
    if each is None:
        return None
    question = question[: each.start()] + question[each.end():]
    folded = folded[: each.start()] + folded[each.end():]
    head_end = each.start()
    times = _time_list(question, folded, head_end)
    if times is None:
        return _listed(question, folded, head_end)
    first, last, items = times
    texts, paired = [], []
    for item in items:
        text = question[:first] + item + question[last:]
        texts.append(_finish(text, question))
        listed = _listed(text, fold(text), head_end - (last - first) + len(item))
        paired.append(listed[len(paired)] if listed and len(listed) == len(items) else None)
    return texts if None in paired else paired


def _listed(question: str, folded: str, end: int) -> list[str] | None:
    """One question per item of the list that ends at ``end`` (its clause's items)."""
    clause_start = max((m.end() for m in _CLAUSE.finditer(folded, 0, end)), default=0)
    items = _split_items(folded, clause_start, end)
    if len(items) < 2:
        return None
    texts = _shared(question, [question[s:e] for s, e in items])
    prefix, rest = question[:clause_start], question[end:]
    return [_finish(prefix + text + rest, question) for text in texts]


def _shared(question: str, items: list[str]) -> list[str]:
    """The items with what the first opens with (a time, 「…的」) and the last closes with
    (「在2022年1月的比赛比分」, 「的文章」) given to those that lack it: 「2018年中央企业的营业收入和
    利润总额」 asks about 「2018年中央企业的利润总额」."""
    first, last = items[0], items[-1]
    head = ""
    times = find_times(first, "2000-01-01")
    if times and first[: times[0].offset] in ("", "在", "于") and not any(find_times(i, "2000-01-01") for i in items[1:]):
        head = first[: times[0].offset + len(times[0].text)]
    if "的" in first[len(head):] and not any("的" in i for i in items[1:]):
        head = first[: first.rindex("的") + 1]
    tail = ""
    cut = re.search(r"(?<=.{2})[的在]", last)
    if cut and not any(re.search(r"[的在]", i) for i in items[:-1]):
        tail = last[cut.start():]
    out = []
    for i, item in enumerate(items):
        text = item if i == 0 or not head or item.startswith(head) else head + item
        text = text if i == len(items) - 1 or not tail else text + tail
        out.append(text)
    return out


def _time_list(question: str, folded: str, end: int) -> tuple[int, int, list[str]] | None:
    """Two or more times joined by 和/与/、 before ``end`` (「2020年11月和2021年6月」): where the
    list starts and ends and its times, each with the year of the one before when it has none
    (「2023年3月和7月」)."""
    spans = [t for t in find_times(question, "2000-01-01") if t.offset + len(t.text) <= end]
    for i in range(len(spans) - 1):
        run = [spans[i]]
        for nxt in spans[i + 1:]:
            gap_from = run[-1].offset + len(run[-1].text)
            if not _TIME_GAP.fullmatch(folded, gap_from, nxt.offset):
                break
            run.append(nxt)
        if len(run) >= 2:
            items, year = [], ""
            for span in run:
                year = m.group(0) if (m := re.match(r"\d{4}年", span.text)) else year
                items.append(span.text if span.text.startswith(year) or not year or "年" in span.text
                             else year + span.text)
            return run[0].offset, run[-1].offset + len(run[-1].text), items
    return None


def _split_items(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    """The list items between ``start`` and ``end``, split at 和/与/及/、 outside brackets."""
    items, at, depth = [], start, 0
    separator = _TOP_SEP if _TOP_SEP.search(folded, start, end) else _LIST_SEP  # 「A和B以及C和D」: two items
    for m in separator.finditer(folded, start, end):
        depth = _depth(folded, at, m.start(), depth)
        if depth == 0:
            items.append((at, m.start()))
        at = m.end() if depth == 0 else at
    items.append((at, end))
    items = [(s, e) for s, e in items if e - s >= MIN_PART_CHARS]
    return items


def _depth(folded: str, start: int, end: int, depth: int) -> int:
    for ch in folded[start:end]:
        if ch in "“‘「『《（(":
            depth += 1
        elif ch in "”’」』》）)" and depth:
            depth -= 1
    return depth


def _also_parts(question: str, folded: str) -> list[str] | None:
    """「X是什么，以及Y是多少？」: two questions, each asking; the first's leading time (and
    anything before its first comma that names no question) carries over to the second."""
    cuts = [m for m in _ALSO.finditer(folded)]
    if not cuts:
        return None
    pieces, at = [], 0
    for m in cuts:
        pieces.append((at, m.start()))
        at = m.end()
    pieces.append((at, len(question)))
    texts = [question[s:e].strip(" ，,；;" + _END) for s, e in pieces]
    if any(len(t) < MIN_PART_CHARS or not _ASKING.search(fold(t)) for t in texts):
        return None
    first = texts[0]
    setting = _setting(first)
    parts = [_finish(first, question)]
    for text in texts[1:]:
        lead = setting if setting and not find_times(text, "2000-01-01") else ""
        parts.append(_finish(lead + text, question))
    return parts


def _setting(first: str) -> str:
    """What sets the scene of the first part for the others: a clause before its first comma
    that asks nothing (「2023年8月21日，」), or the time it opens with (「2024年5月6日」)."""
    clause = re.match(r"([^，,]+)[，,]", first)
    if clause and not _ASKING.search(fold(clause.group(1))):
        return clause.group(0)
    times = find_times(first, "2000-01-01")
    if times and times[0].offset == 0:
        return times[0].text
    return ""


def _finish(part: str, question: str) -> str:
    part = part.strip().rstrip(_END)
    return part + _ending(question)


def join_parts(asked: PartsQuestion, answers: list[Answer]) -> Answer:
    """One answer from the parts' answers, in order, their citations renumbered (a passage
    cited by two parts is cited once). Abstains only when every part does."""
    script = detect_script(asked.question)
    citations: list[Citation] = []
    texts: list[str] = []
    quoted: set[str] = set()
    for part, answer in zip(asked.parts, answers):
        if not answer.abstained and answer.answer in quoted:  # 「东德和西德分别…」: one sentence answers both
            continue
        quoted.add(answer.answer)
        if answer.abstained:
            texts.append(f"{part.rstrip(_END)}：{answer.answer}".rstrip("。") + "。")
            continue
        text = cite_into(answer, citations).rstrip("；; ")
        texts.append(text if text.endswith(("。", "]")) else text + "。")
    abstained = all(a.abstained for a in answers)
    retrieved, seen = [], set()
    for answer in answers:
        for hit in answer.retrieved or []:
            key = (hit.document.doc_id, hit.chunk.start)
            if key not in seen:
                seen.add(key)
                retrieved.append(hit)
    return Answer(
        question=asked.question,
        answer=_JOIN[script]["none"] if abstained else "\n".join(texts),
        abstained=abstained,
        citations=citations,
        script=script,
        retrieved=retrieved,
        confidence=min((a.confidence for a in answers), default=0.0),
        answer_type="parts",
    )


def cite_into(answer: Answer, citations: list[Citation]) -> str:
    """``answer``'s text with its ``[n]`` renumbered into ``citations`` (extended in place, in
    the order the marks are read): a passage already cited there, with the same highlight,
    keeps its number; the others get the next ones."""
    by_n = {c.n: c for c in answer.citations}
    mapping: dict[int, int] = {}
    for mark in _MARK.finditer(answer.answer):
        n = int(mark.group(1))
        if n in by_n and n not in mapping:
            mapping[n] = _renumber(by_n[n], citations)
    return _MARK.sub(lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", answer.answer)


def _renumber(citation: Citation, citations: list[Citation]) -> int:
    for kept in citations:
        if (kept.doc_id, kept.start, kept.highlight_start, kept.highlight_end) == (
                citation.doc_id, citation.start, citation.highlight_start, citation.highlight_end):
            return kept.n
    n = len(citations) + 1
    citations.append(replace(citation, n=n))
    return n
