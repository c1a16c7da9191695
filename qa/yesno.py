"""The yes or no that opens the answer to a yes/no question about one fact.

A reader who asks 「…纪录片开播了吗？」 or 「…决议草案是否通过？」 wants 是 or 不是 first,
then the sentence that says so. The answerer has already chosen that sentence (the one
that best matches the question); this module only reads whether it says the question's
own words or their negation: a negation (未, 没有, 并未, 无法 …) standing just before one
of the question's words (「未达到通过所需的9票」 for 是否通过) makes the answer a no. A
question that asks about a negation itself (「没有…吗」) flips the reading.

The verdict's word follows the question's verb: 有/没有 for 「有没有…」「有…吗」,
可以/不可以 and 能/不能 for those modals, else 是/不是. Questions comparing several events are not answered here (``newsqa.qa.events``
computes their 是/不是).

Example::

    verdict("美国提交的决议草案在安理会投票中是否通过？",
            "决议草案仅获得2票支持，未达到通过所需的9票。")   # '不是'
    verdict("上海有新增本地确诊病例吗？", "上海新增本地确诊病例3例。")  # '有'
    verdict("面积是否超过200平方公里？", "扩区前,28.78平方公里辖区内…")  # '' (no verdict)
"""

from __future__ import annotations

import re

from newsqa.script import fold

# A negation of what follows it (folded, Simplified). Bare 不 only where it negates: not
# 不断, 不少, 不仅 … (which do not deny anything).
_NEGATION = re.compile(
    r"并未|尚未|未能|未曾|未|没有|没能|没|并非|并不|不再|不能|不可|不会|不是|无法|否认|拒绝|暂停|取消|无(?=新增)"
    r"|不(?![断少仅久同过但论管止足敢住堪胜料])"
)
# The question's own yes/no words, not content: 是否, 有没有, A-not-A (是不是, 能不能) …
_YES_NO_WORDS = re.compile(r"是否|有没有|有无|是不是|能不能|会不会|可不可以|[吗么呢]|[？?]\s*$")
# A question whose verb is 有 is answered 有/没有 (「有新增病例吗」, 「有没有宣布…」).
_HAS_VERB = r"(?<![没所具拥只还])有(?![关限些效名望的所])"  # not 没有, 所有, 有关, 有些 …
_HAS = re.compile(rf"有没有|有无|^(?:.*[，,])?[^，,]*?{_HAS_VERB}[^，,]*[吗么]\s*[？?]?\s*$")
# 「…可以进入体育场馆吗」 is answered 可以/不可以, 「能…吗」 能/不能 (not 会: 大会, 安理会).
_MODAL = re.compile(r"可以|(?<![功可才智性动技核体效产热电光风势职本潜])能(?![源力量够效耗级])")
# A figure the question names, not a date's year, month or day (those pin the story: qualifiers).
_FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]|\s*[年月日号])")
# What the verdict is about must stand in the quoted sentence: 「成都大运会有没有推迟举办？」 gets
# no 有 from a sentence about the games' 举办 that never says 推迟.
_MARKER = re.compile(r"是否|有没有|有无|能否|是不是|能不能|可不可以")  # (「可不可以」: A-not-A)
_HAS_IN_CLAUSE = re.compile(_HAS_VERB)
_TRAILER = re.compile(r"[了过的呢吗么？?！!。\s]+$")
_FILLER = re.compile(r"[了过着的\s，,。？?！!“”‘’\"'《》「」]")
_MODAL_DENIED = re.compile(r"不能|不可以|不可|无法|不得|未能|没能|不准|不允许|禁止")
# A question that ends on 是/为 (「…的方法是？」) asks for a thing, whatever 是否 it holds.
_ASKS_FOR_A_THING = re.compile(r"(?:的|之)[^，,。]{0,8}(?:是|为)\s*[？?]?\s*$")
PREDICATE_CHARS = 4
PREDICATE_SHARE = 2 / 3
NEGATION_REACH = 4  # a negation bears on a question word that starts this close after it


def verdict(question: str, statement: str) -> str:
    """是/不是 (or 有/没有), in Simplified, for ``question`` as ``statement`` answers it; ""
    when the statement cannot settle it: a figure the question asks about (「是否超过200平方公里」)
    that the statement does not state is no evidence either way."""
    q = fold(question)
    if _ASKS_FOR_A_THING.search(q):  # 「测量患者是否有高血压的方法是？」 asks for a method
        return ""
    body = _YES_NO_WORDS.sub(" ", q)
    words = _bigrams(body)
    said = fold(statement)
    if any(n not in said for n in _FIGURE.findall(body)) or not _states(said, _predicate(q)):
        return ""
    denied = any(_denies(said, m.end(), words) for m in _NEGATION.finditer(said))
    asked_denied = any(_denies(body, m.end(), words) for m in _NEGATION.finditer(body))
    yes = denied == asked_denied
    if _HAS.search(q):
        return "有" if yes else "没有"
    modal = _modal(q, body)
    if modal:  # 「能不能不任命…」 against 「…不能拒绝任命」: the sentence's 不能 is the answer
        return "不" + modal if _MODAL_DENIED.search(said) else modal
    return "是" if yes else "不是"


def _modal(question: str, body: str) -> str:
    """可以 or 能 when the question asks whether something may or can be (「可不可以」, 「能…吗」)."""
    if "可不可以" in question:
        return "可以"
    if "能不能" in question or "能否" in question:
        return "能"
    found = _MODAL.search(body)
    return found.group(0) if found else ""


def _predicate(question: str) -> str:
    """What the question asks is so (folded): what follows 是否/有没有/…, or 有 in 「…有X吗」,
    else the last four characters before 吗 (「…纪录片开播了吗」 → 「录片开播」)."""
    marker = _MARKER.search(question)
    clause = re.split(r"[，,：:；;]", _TRAILER.sub("", question))[-1]
    if marker is not None:
        return _FILLER.sub("", question[marker.end():])
    has = _HAS_IN_CLAUSE.search(clause)
    return _FILLER.sub("", clause[has.end():] if has else clause)[-PREDICATE_CHARS:]


def _states(statement: str, predicate: str) -> bool:
    """Whether ``statement`` holds at least ``PREDICATE_SHARE`` of ``predicate``'s bigrams."""
    grams = [predicate[i : i + 2] for i in range(len(predicate) - 1)] or [predicate]
    return sum(g in statement for g in grams) >= PREDICATE_SHARE * len(grams)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if not any(c.isspace() or c in "，,。" for c in text[i : i + 2])}


def _denies(text: str, at: int, question_words: set[str]) -> bool:
    """Whether one of the question's bigrams starts within ``NEGATION_REACH`` of ``at``."""
    window = text[at : at + NEGATION_REACH + 1]
    return any(window[i : i + 2] in question_words for i in range(len(window) - 1))
