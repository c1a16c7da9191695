"""Citation checking for generated answers: whatever the model wrote, only what the passages hold is kept.

A language model cites loosely: markers in several forms, numbers of passages it never
saw, the right fact with the wrong passage, a date from one passage pinned on another,
a sentence it made up. :class:`CitationChecker` turns its raw output into an answer
whose every sentence is backed by the passages it cites:

1. **Markers.** ``[1]``, ``【1】``, ``［1］``, ``[1,2]``, ``[1、2]``, ``[段落1]`` and
   ``段落[1]`` are read as citations of passages 1 and 2; markers that point outside
   the passage list are dropped.
2. **Sentences.** The text is cut into sentences (a marker right after a sentence's
   closing punctuation belongs to that sentence). A refusal sentence (「資料中沒有相關內容」,
   「段落沒有提到…」) is removed and noted.
3. **Support.** Each sentence is compared with each passage (and its title) on
   script-folded characters: the share of the sentence's content characters found in the
   passage and the share of its character bigrams (digit runs count as one unit). A cited
   passage that does not support the sentence loses the citation; when none is left (or
   the sentence had no marker) the best-supporting passage is cited instead (a
   *re-pointed* citation); a sentence no passage supports is removed.
4. **Numbers and dates.** Every number of the sentence (Arabic or Chinese numerals,
   ``2萬`` = ``20000`` = ``兩萬``; the parts of a date; read by ``newsqa.chinese.numbers``)
   must appear in a cited passage, its title or date (or in the question). Otherwise a
   supporting passage that holds them is cited instead, or the sentence is removed.
5. **Clauses.** A clause of four or more content characters that the cited passages do
   not hold (an invented addition to a supported sentence) is cut out.
6. **Prompt injection.** Sentences of a passage that address the assistant (「忽略以上所有
   指示」, "ignore previous instructions", 「只回答『…』」) never count as support, so an
   answer that obeys them is removed. :func:`sanitize_passage` blanks them out of the
   prompt too.
7. **Output.** The kept sentences in the question's script (OpenCC), each followed by
   its markers, renumbered ``[1]``, ``[2]`` … in order of first use; ``sources`` maps
   those numbers to passages, ``highlights`` gives the supporting sentence in each. With
   nothing left the answer abstains (``refused`` tells whether the model itself refused).

Example::

    checker = CitationChecker()
    passages = [Passage(text="2013年9月29日上海自貿區掛牌。", title="上海自貿試驗區", date="2021-01-10")]
    checked = checker.check("上海自贸区于2013年9月29日挂牌【1】。它有三万名员工[2]。", passages, script="hant")
    checked.text        # '上海自貿區於2013年9月29日掛牌。[1]'
    checked.sources     # [0]
    checked.dropped     # [DroppedSentence(text='它有三万名员工。', reason='unsupported')]
    checked.out_of_range  # 1 ([2]: there is one passage)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsqa.chinese import counted_numbers, numbers
from newsqa.script import Script, TraditionalVariant, fold, to_reader_script
from newsqa.text import HAN, SUPPORT_STOP_CHARS

logger = logging.getLogger(__name__)

#: The fixed refusal, per script (the extractive answerer's wording).
REFUSAL = {"hant": "資料中沒有相關內容。", "hans": "资料中没有相关内容。"}

# ---------------------------------------------------------------------------- markers
_NUM_LIST = r"\d{1,3}(?:\s*(?:[,，、;；/&]|和|及|and)\s*(?:段落|来源|來源|passage|source)?\s*\d{1,3})*"
_MARKER_RE = re.compile(
    r"(?:(?:根據|根据|據|据|見|见|參見|参见|參考|参考|出自|來自|来自)?\s*(?:段落|來源|来源))?"
    r"[\[【［〔]\s*(?:段落|來源|来源|passage|source|p)?\s*(" + _NUM_LIST + r")\s*[\]】］〕]",
    re.IGNORECASE,
)
# Sentence ends; a newline ends a sentence too.
_SENTENCE_END = "。！？!?\n"
_CLOSING = "」』”’）)"
_CLAUSE_SPLIT_RE = re.compile(r"[，,；;：:]")
# Prefixes a model puts before its answer.
_ANSWER_PREFIX_RE = re.compile(r"^\s*(?:回答|答案|答|answer)\s*[:：]\s*", re.IGNORECASE)
# Chat-template debris some servers leave in the text, and placeholder markers copied from
# an instruction ([n], [編號]).
_SPECIAL_TOKEN_RE = re.compile(
    r"<\|[^|>]{1,40}\|>|</?s>|[\[【［]\s*(?:n|N|x|X|k|編號|编号|數字|数字|段落編號|段落编号|\?|？)?\s*[\]】］]"
)

# ---------------------------------------------------------------------------- refusals (folded: Simplified)
_REFUSAL_RE = re.compile(
    r"资料中没有|没有相关(?:内容|资料|信息|资讯)|(?:段落|资料|文章|新闻)(?:中|里|内)?(?:并)?(?:没有|未|没)(?:有)?(?:提到|提及|提供|说明|记载|写到|相关)"
    r"|无法(?:根据|从|回答|确定|得知)|不知道|没有(?:提到|提及)|未(?:提到|提及)"
    r"|cannot answer|can't answer|no (?:relevant )?information|not mentioned|does not (?:say|mention)",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- prompt injection (folded)
_INJECTION_RE = re.compile(
    r"(?:忽略|无视|不要理会|不理会|忘记|忘掉|覆盖|ignore|disregard|forget)[^。！？\n]{0,16}"
    r"(?:指示|指令|规则|要求|提示|命令|设定|instruction|prompt|rule)"
    r"|(?:你现在是|你现在扮演|请扮演|你的新(?:任务|指令)|system prompt|系统提示|you are now|new instructions)"
    r"|(?:只|直接|一律|必须)(?:回答|回复|输出|说)\s*[「『“\"'《]",
    re.IGNORECASE,
)
_PASSAGE_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?」』”]*\n?|\n")

# ---------------------------------------------------------------------------- matching units
_UNIT_RE = re.compile(rf"\d+(?:\.\d+)?|[a-z]+|[{HAN}]")


def _units(folded: str) -> list[str]:
    return _UNIT_RE.findall(folded)


def _bigrams(units: list[str]) -> set[str]:
    stop = SUPPORT_STOP_CHARS
    return {a + "\u0001" + b for a, b in zip(units, units[1:]) if not (a in stop and b in stop)}


# ---------------------------------------------------------------------------- records
@dataclass(slots=True)
class Passage:
    """A passage as shown to the model: ``text`` is checked against, ``title``/``date`` too."""

    text: str
    title: str = ""
    date: str | None = None


@dataclass(slots=True)
class DroppedSentence:
    """A sentence (or clause) removed from the answer, and why: ``unsupported``,
    ``wrong-number``, ``refusal``, ``unsupported-clause`` or ``duplicate``."""

    text: str
    reason: str


@dataclass(slots=True)
class CheckedAnswer:
    """The checked answer: ``text`` with ``[n]`` markers numbered 1.. in order of first use;
    ``sources[n-1]`` is the index (in the passage list) of the passage ``[n]`` cites and
    ``highlights[n-1]`` the span of its supporting sentence within that passage's ``text``."""

    text: str
    abstained: bool
    sources: list[int] = field(default_factory=list)
    highlights: list[tuple[int, int]] = field(default_factory=list)
    refused: bool = False
    dropped: list[DroppedSentence] = field(default_factory=list)
    out_of_range: int = 0
    repointed: int = 0
    raw: str = ""


@dataclass(slots=True)
class _AnswerSentence:
    """A sentence of the model's answer and the passages it cites."""

    text: str
    cited: list[int]  # 1-based passage numbers as written


@dataclass(slots=True)
class _Prepared:
    units: set[str]
    bigrams: set[str]
    numbers: set[str]
    sentences: list[tuple[int, int, set[str]]]  # (start, end, units) within Passage.text
    counted: set[tuple[str, str]] = field(default_factory=set)


# ---------------------------------------------------------------------------- helpers
def is_injection(sentence: str) -> bool:
    """True when ``sentence`` addresses the assistant instead of reporting news."""
    return bool(_INJECTION_RE.search(fold(sentence)))


def sanitize_passage(text: str, placeholder: str = "（……）") -> str:
    """``text`` with the sentences that address the assistant (:func:`is_injection`) blanked out."""
    out = []
    for match in _PASSAGE_SENTENCE_RE.finditer(text):
        piece = match.group(0)
        out.append(placeholder + ("\n" if piece.endswith("\n") else "") if is_injection(piece) else piece)
    return "".join(out)


def is_refusal(sentence: str) -> bool:
    """True when ``sentence`` says the passages do not hold the answer."""
    return bool(_REFUSAL_RE.search(fold(sentence)))


def parse_markers(text: str, n_passages: int | None = None) -> tuple[str, list[tuple[int, list[int]]]]:
    """``text`` without its citation markers, and ``(position, [numbers])`` of each marker in it."""
    clean: list[str] = []
    found: list[tuple[int, list[int]]] = []
    pos = 0
    length = 0
    for match in _MARKER_RE.finditer(text):
        clean.append(text[pos : match.start()])
        length += match.start() - pos
        nums = [int(n) for n in re.findall(r"\d{1,3}", match.group(1))]
        found.append((length, nums))
        pos = match.end()
    clean.append(text[pos:])
    return "".join(clean), found


def split_answer(raw: str) -> list[_AnswerSentence]:
    """Sentences of a model answer with the passage numbers each cites (as written)."""
    text = _SPECIAL_TOKEN_RE.sub("", raw or "")
    text = _ANSWER_PREFIX_RE.sub("", text.strip())
    clean, markers = parse_markers(text)
    spans: list[tuple[int, int]] = []
    start, i = 0, 0
    while i < len(clean):
        if clean[i] in _SENTENCE_END:
            while i + 1 < len(clean) and clean[i + 1] in _CLOSING:
                i += 1
            spans.append((start, i + 1))
            start = i + 1
        i += 1
    if start < len(clean) or not spans:
        spans.append((start, len(clean)))
    sentences = [_AnswerSentence(clean[a:b], []) for a, b in spans]
    for pos, nums in markers:
        idx = next((k for k, (a, b) in enumerate(spans) if a <= pos < b), len(spans) - 1)
        # A marker that opens a sentence (right after the previous one's 。) belongs to the previous one.
        if idx > 0 and not clean[spans[idx][0] : pos].strip():
            idx -= 1
        sentences[idx].cited.extend(nums)
    out: list[_AnswerSentence] = []
    for s in sentences:
        body = s.text.strip().lstrip("，,；;：:、")
        if body.strip("。！？!?，,；;：: \t\n…"):
            out.append(_AnswerSentence(body.strip(), s.cited))
        elif s.cited and out:  # a marker alone on a line: the previous sentence's
            out[-1].cited.extend(s.cited)
    return out


# ---------------------------------------------------------------------------- the checker
class CitationChecker:
    """Checks and repairs the citations of a generated answer (see the module docstring).

    ``min_support``: the support (0.5 × content characters + 0.5 × bigrams found in the
    passage and its title) a passage needs to back a sentence; ``min_clause_support``: the
    share of a clause's content characters (clauses of ``min_clause_chars`` or more) the
    cited passages must hold; ``min_kept_share``: what a sentence with clauses cut must
    keep of its content characters (else it goes as a whole).

    Example::

        checker = CitationChecker()
        checked = checker.check("2013年9月29日上海自貿區掛牌[1]。", [Passage("2013年9月29日上海自貿區掛牌。")], script="hans")
        checked.text   # '2013年9月29日上海自贸区挂牌。[1]'
    """

    def __init__(
        self,
        min_support: float = 0.45,
        min_clause_support: float = 0.5,
        min_clause_chars: int = 4,
        min_kept_share: float = 0.3,
        traditional_variant: TraditionalVariant = "tw",
    ):
        self.traditional_variant = traditional_variant
        self.min_support = min_support
        self.min_kept_share = min_kept_share
        self.min_clause_support = min_clause_support
        self.min_clause_chars = min_clause_chars

    # ------------------------------------------------------------------ passages
    @staticmethod
    def _prepare(passage: Passage) -> _Prepared:
        sentences: list[tuple[int, int, set[str]]] = []
        kept: list[str] = []
        for match in _PASSAGE_SENTENCE_RE.finditer(passage.text):
            piece = match.group(0)
            if not piece.strip() or is_injection(piece):
                continue  # an instruction inside an article never counts as support
            kept.append(piece)
            sentences.append((match.start(), match.end(), set(_units(fold(piece)))))
        # The title counts as support (it names the story); the date only for numbers.
        folded = fold((passage.title or "") + "\n" + "".join(kept))
        units = _units(folded)
        meta = " ".join(x for x in (passage.title, passage.date or "") if x)
        text = meta + "\n" + "".join(kept)
        return _Prepared(set(units), _bigrams(units), numbers(text), sentences, counted_numbers(text))

    def support(self, sentence: str, prepared: _Prepared) -> float:
        """How well a passage backs ``sentence``, in [0, 1]."""
        units = _units(fold(sentence))
        content = {u for u in units if u not in SUPPORT_STOP_CHARS}
        if not content:
            return 0.0
        uni = len(content & prepared.units) / len(content)
        grams = _bigrams(units)
        bi = len(grams & prepared.bigrams) / len(grams) if grams else uni
        return 0.5 * uni + 0.5 * bi

    # ------------------------------------------------------------------ checking
    def check(
        self,
        raw: str,
        passages: Sequence[Passage],
        *,
        script: Script,
        question: str = "",
    ) -> CheckedAnswer:
        """Check ``raw`` (the model's answer) against ``passages`` (numbered 1.. as in the
        prompt); the answer comes back in ``script``."""
        prepared = [self._prepare(p) for p in passages]
        q_numbers = numbers(question) if question else set()
        result = CheckedAnswer(text="", abstained=True, raw=raw)
        kept: list[tuple[str, list[int]]] = []  # (sentence, 0-based passage indices)
        seen: set[str] = set()
        for sent in split_answer(raw):
            cited = []
            for n in sent.cited:
                if 1 <= n <= len(passages):
                    if n - 1 not in cited:
                        cited.append(n - 1)
                else:
                    result.out_of_range += 1
            if is_refusal(sent.text):
                result.refused = True
                result.dropped.append(DroppedSentence(sent.text, "refusal"))
                continue
            key = re.sub(r"\W", "", fold(sent.text))
            if key in seen:
                result.dropped.append(DroppedSentence(sent.text, "duplicate"))
                continue
            checked = self._check_sentence(sent.text, cited, prepared, q_numbers, result)
            if checked is None:
                continue
            seen.add(key)
            kept.append(checked)
        if not kept:
            result.text = REFUSAL[script]
            result.abstained = True
            if result.dropped:
                logger.info(
                    "generated answer abstains: %s",
                    "; ".join(f"{d.reason}: {d.text[:40]}" for d in result.dropped),
                )
            return result
        # Renumber in order of first use.
        order: list[int] = []
        parts: list[str] = []
        for text, sources in kept:
            for p in sources:
                if p not in order:
                    order.append(p)
            body = text.rstrip()
            if body[-1:] not in "。！？!?…":
                body = body.rstrip("，,；;：:、") + ("。" if _has_cjk(body) else ".")
            marks = "".join(f"[{order.index(p) + 1}]" for p in sources)
            parts.append(to_reader_script(body, script, variant=self.traditional_variant, question=question) + marks)
        result.text = "".join(parts)
        result.abstained = False
        result.sources = order
        result.highlights = [self._highlight(passages[p], prepared[p], kept, p) for p in order]
        return result

    def _check_sentence(
        self,
        text: str,
        cited: list[int],
        prepared: list[_Prepared],
        q_numbers: set[str],
        result: CheckedAnswer,
    ) -> tuple[str, list[int]] | None:
        if len({u for u in _units(fold(text)) if u not in SUPPORT_STOP_CHARS}) < 2:
            result.dropped.append(DroppedSentence(text, "unsupported"))  # 「是的。」 backs nothing
            return None
        supports = [self.support(text, p) for p in prepared]
        good = [p for p in cited if supports[p] >= self.min_support]
        if not good and len(cited) > 1:
            # A sentence that joins facts of several passages: judged against them together.
            merged = _Prepared(
                set().union(*(prepared[p].units for p in cited)),
                set().union(*(prepared[p].bigrams for p in cited)),
                set(), [],
            )
            if self.support(text, merged) >= self.min_support:
                good = [p for p in cited if supports[p] >= self.min_support / 2]
        if not good:
            best = max(range(len(prepared)), key=lambda i: supports[i], default=None)
            if best is not None and supports[best] >= self.min_support:
                good = [best]
                result.repointed += 1
            else:
                # An invented clause may drag a sentence down: keep the clauses a passage holds.
                for p in dict.fromkeys([*cited, *([] if best is None else [best])]):
                    scratch = CheckedAnswer(text="", abstained=True)
                    trimmed = self._cut_unsupported_clauses(text, [prepared[p]], scratch)
                    if trimmed and trimmed != text and self.support(trimmed, prepared[p]) >= self.min_support:
                        result.dropped.extend(scratch.dropped)
                        result.repointed += p not in cited
                        text, good = trimmed, [p]
                        break
                else:
                    result.dropped.append(DroppedSentence(text, "unsupported"))
                    return None
        wanted = numbers(text) - q_numbers
        counted = {(v, u) for v, u in counted_numbers(text) if v not in q_numbers}
        missing = wanted - set().union(*(prepared[p].numbers for p in good))
        missing_counted = counted - set().union(*(prepared[p].counted for p in good))
        if missing or missing_counted:
            holders = [
                i for i in sorted(range(len(prepared)), key=lambda i: -supports[i])
                if supports[i] >= self.min_support and wanted <= prepared[i].numbers and counted <= prepared[i].counted
            ]
            if not holders:
                result.dropped.append(DroppedSentence(text, "wrong-number"))
                return None
            good = [holders[0]]
            result.repointed += 1
        text = self._cut_unsupported_clauses(text, [prepared[p] for p in good], result)
        if text is None:
            return None
        return text, good

    def _cut_unsupported_clauses(self, text: str, cited: list[_Prepared], result: CheckedAnswer) -> str | None:
        pieces = re.split(r"([，,；;：:])", text)
        clauses = [(pieces[i], pieces[i + 1] if i + 1 < len(pieces) else "") for i in range(0, len(pieces), 2)]
        if len(clauses) < 2:
            return text
        units = set().union(*(p.units for p in cited))
        kept: list[tuple[str, str]] = []
        for clause, sep in clauses:
            content = {u for u in _units(fold(clause)) if u not in SUPPORT_STOP_CHARS}
            if len(content) >= self.min_clause_chars and len(content & units) / len(content) < self.min_clause_support:
                result.dropped.append(DroppedSentence(clause.strip(), "unsupported-clause"))
                continue
            kept.append((clause, sep))
        if not kept:
            return None
        # What is left must still say most of what the sentence said (not 「例如」 of a long rule).
        before = {u for u in _units(fold(text)) if u not in SUPPORT_STOP_CHARS}
        after = set().union(*({u for u in _units(fold(c)) if u not in SUPPORT_STOP_CHARS} for c, _ in kept))
        if len(after) < self.min_clause_chars or len(after) < self.min_kept_share * len(before):
            result.dropped.append(DroppedSentence(text, "unsupported"))
            return None
        out = "".join(c + s for c, s in kept[:-1]) + kept[-1][0]
        tail = text[len(text.rstrip("。！？!?…")) :]
        out = out.rstrip("，,；;：: ")
        return out + tail if not out.endswith(tuple("。！？!?…")) else out

    @staticmethod
    def _highlight(passage: Passage, prepared: _Prepared, kept: list[tuple[str, list[int]]], index: int) -> tuple[int, int]:
        """From the first to the last passage sentence that best matches an answer sentence citing it."""
        spans = []
        for text, sources in kept:
            if index not in sources:
                continue
            citing = {u for u in _units(fold(text)) if u not in SUPPORT_STOP_CHARS}
            best, best_score = None, 0.0
            for start, end, units in prepared.sentences:
                score = len(citing & units) / (1 + 0.01 * len(units))
                if score > best_score:
                    best, best_score = (start, end), score
            if best is not None:
                spans.append(best)
        if not spans:
            return (0, 0)
        start, end = min(a for a, _ in spans), max(b for _, b in spans)
        piece = passage.text[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        return (start, end) if end > start else (0, 0)


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)
