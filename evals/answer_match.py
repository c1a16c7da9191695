"""How an answer is matched against its gold (``answer_contains``): both normalised (no ``[n]``
markers, width-folded, Simplified, lower case, without whitespace and punctuation) and the gold
looked for in the answer; a yes/no gold by the answer's first clause (「不是」 holds 是); an option
the question names by the answer's first clause (a comparison names every option), also when
the gold words that option its own way (「派遣军舰事件」 for 「德国、荷兰和加拿大派遣军舰前往南海的
事件」); a question asking several things at once by every piece of its gold.

Example::

    answer_correct("上海自貿區是哪一天掛牌的？", "2013年9月29日上海自貿區掛牌。[1]", ["2013年9月29日"])  # True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from newsqa.chinese import polarity
from newsqa.qa.events import EventQuestion
from newsqa.qa.parts import PartsQuestion
from newsqa.script import fold, from_taiwan_phrases, has_traditional, to_simplified

# Citation markers as the answerer writes them: [1], [1,2], [1][2], full-width forms.
_MARKER_RE = re.compile(r"[\[［【]\s*\d+(?:\s*[,，、;；\-–~]\s*\d+)*\s*[\]］】]")


def strip_markers(text: str) -> str:
    """``text`` without ``[n]`` citation markers."""
    return _MARKER_RE.sub("", text)


def _dropped(ch: str) -> bool:
    # Punctuation, symbols, separators (whitespace) and control characters.
    return unicodedata.category(ch)[0] in "PSZC"


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """The matching form of ``text`` and, for each of its characters, the source offset.

    Width-folded (NFKC), lower-cased, whitespace/punctuation/symbols removed (a "." between
    two digits is kept: 24.1 stays 24.1), then converted to Simplified script.
    """
    folded: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower():
            folded.append((c, i))
    chars: list[str] = []
    offsets: list[int] = []
    for j, (c, i) in enumerate(folded):
        if _dropped(c):
            if not (
                c == "."
                and chars
                and chars[-1].isdigit()
                and j + 1 < len(folded)
                and folded[j + 1][0].isdigit()
            ):
                continue
        chars.append(c)
        offsets.append(i)
    plain = "".join(chars)
    simplified = to_simplified(plain)
    if len(simplified) != len(plain):  # a phrase conversion changed the length: go char by char
        simplified = "".join(
            conv if len(conv := to_simplified(c)) == 1 else c for c in plain
        )
    return simplified, offsets


@lru_cache(maxsize=512)
def _normalised_cached(text: str) -> tuple[str, tuple[int, ...]]:
    norm, offsets = _normalise_with_map(text)
    return norm, tuple(offsets)


def normalize_answer(text: str) -> str:
    """The form answers are compared in: no ``[n]`` markers, width-folded, Simplified,
    lower case, without whitespace and punctuation."""
    return _normalise_with_map(strip_markers(text))[0]


_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]{1,40}[）)][。.]?\s*$")
_FIRST_CLAUSE = re.compile(r"[；;。！!？?]")
_JUDGEMENT_WORDS = frozenset({"是", "是的", "对", "正确", "有", "不是", "不", "否", "不对", "没有", "并非", "错误"})


def _gold_forms(gold: str) -> list[str]:
    """A gold answer and, when it ends in a parenthesised note (「沪指下跌（2022年7月12日）」),
    the answer without it: the note annotates the answer, it is not the answer."""
    bare = _TRAILING_NOTE.sub("", gold)
    return [gold, bare] if bare and bare != gold else [gold]


def answer_matches(answer: str, gold: Sequence[str], mode: str = "any") -> bool:
    """Whether the normalised ``answer`` contains a normalised gold answer (all, for "all");
    a gold's trailing parenthesised note may be left out."""
    norm = normalize_answer(answer)
    golds = [[f for f in (normalize_answer(x) for x in _gold_forms(g)) if f] for g in gold]
    golds = [forms for forms in golds if forms]
    if not golds:
        return False
    # An answer in Taiwan phrases (軟體) is also read back with them (软件), as the reader would.
    mainland = normalize_answer(from_taiwan_phrases(answer)) if has_traditional(answer) else norm
    found = [any(f in norm or f in mainland for f in forms) for forms in golds]
    return all(found) if mode == "all" else any(found)


def is_judgement(golds: Sequence[str]) -> bool:
    """Whether the gold answers are a yes or a no (「是的」, 「不是」): scored by polarity."""
    return bool(golds) and all(normalize_answer(g) in _JUDGEMENT_WORDS for g in golds)


def judgement_matches(answer: str, golds: Sequence[str]) -> bool:
    """Whether the answer's first clause says the gold's yes or no (``newsqa.chinese.polarity``):
    「不是：…」 does not match 「是的」 though it holds 是."""
    said = polarity(fold(strip_markers(answer)))
    return said is not None and said == polarity(fold(golds[0]))


def first_clause(answer: str) -> str:
    """The answer up to its first 「；」 or sentence end: where a comparison names its pick."""
    text = strip_markers(answer)
    cut = _FIRST_CLAUSE.search(text)
    return text[: cut.start()] if cut else text


def option_in_question(question: str, golds: Sequence[str]) -> bool:
    """Whether a gold answer is one of the options the question names (「A和B哪个更早？」 → A):
    an answer that repeats every option must name the gold one in its first clause."""
    norm_q = normalize_answer(question)
    return any(len(f) >= 2 and f in norm_q for g in golds for f in map(normalize_answer, _gold_forms(g)))


# An option is named by a text holding this share of its character pairs, and no other option
# by as much as OTHER_SHARE: 「派遣军舰事件」 names 「德国、荷兰和加拿大派遣军舰前往南海的事件」 (4 of 5).
OPTION_SHARE = 0.6
OTHER_SHARE = 0.4


def _pairs(text: str) -> set[str]:
    norm = normalize_answer(text)
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def named_option(text: str, options: Sequence[str]) -> int | None:
    """The one option of ``options`` that ``text`` names: the option whose text shares at
    least ``OPTION_SHARE`` of the pairs of ``text`` (a gold's paraphrase) or of the option
    (an answer quoting it), while no other option reaches ``OTHER_SHARE``; None otherwise."""
    said = _pairs(text)
    if not said:
        return None
    shares = []
    for option in options:
        pairs = _pairs(option)
        common = len(said & pairs)
        shares.append(max(common / len(said), common / len(pairs) if pairs else 0.0))
    best = max(range(len(options)), key=shares.__getitem__)
    rivals = [x for i, x in enumerate(shares) if i != best]
    if shares[best] >= OPTION_SHARE and all(x < OTHER_SHARE for x in rivals):
        return best
    return None


def paraphrased_option_matches(question: str, answer: str, golds: Sequence[str]) -> bool | None:
    """For 「A和B哪个更早？」 whose gold words an option its own way: whether the answer's first
    clause names the same option (``named_option``). None when the question is not an order
    question, or its gold or the answer's pick cannot be told apart from the other options."""
    asked = EventQuestion.read(question)
    if asked is None or asked.kind != "order":
        return None
    options = asked.events
    gold_options = {named_option(_TRAILING_NOTE.sub("", g), options) for g in golds}
    if len(gold_options) != 1 or None in gold_options:
        return None
    picked = named_option(first_clause(answer), options)
    return picked is not None and picked == gold_options.pop()


def answer_correct(question: str, answer: str, golds: Sequence[str], mode: str = "any") -> bool:
    """The ``answer_contains`` test of one answer: a judgement by its yes/no, an option the
    question names by the answer's first clause (by the option it names when the gold words
    it differently), anything else by ``answer_matches``."""
    if is_judgement(golds):
        return judgement_matches(answer, golds)
    if option_in_question(question, golds):
        return answer_matches(first_clause(answer), golds, mode)
    option = paraphrased_option_matches(question, answer, golds)
    if option is not None:
        return option
    if answer_matches(answer, golds, mode):
        return True
    asked = PartsQuestion.read(question)
    return asked is not None and any(parts_match(answer, gold, len(asked.parts)) for gold in golds)


_GOLD_PIECES = (re.compile(r"[；;，,]\s*"), re.compile(r"[；;，,、]\s*|和|与"))


def parts_match(answer: str, gold: str, parts: int) -> bool:
    """A question asking ``parts`` things at once (``newsqa.qa.parts``) is answered when every
    piece of its gold stands in the answer: 「27.6万亿元和24.4%」 by an answer holding both
    figures, wherever they stand. The gold is cut at 「；」「，」, or also at 「、」「和」「与」
    when that gives too few pieces; a gold that does not cut into as many pieces as the
    question has parts is left to the whole-gold test."""
    for cut in _GOLD_PIECES:
        pieces = [p for p in (x.strip(" 。.") for x in cut.split(gold)) if p]
        if len(pieces) >= parts:
            return all(answer_matches(answer, [piece]) for piece in pieces)
    return False


