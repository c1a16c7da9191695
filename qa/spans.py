"""Answer phrases inside an evidence sentence: typed phrases, the question's gap, clauses.

Everything here works on the *folded* sentence (``newsqa.script.fold``: width-folded,
Simplified, lower case) and maps offsets back to the sentence as stored, so an answer
quotes its source exactly, in either script.

- ``typed_spans``: dates (2013年9月29日, 光緒三十三年, 19世紀末, 1970年代), numbers
  with units (28.78平方公里, 3,000人, 24.1%, 三分之一), quoted titles and terms
  (「…」《…》“…”), latin and transliterated names (威廉·瓊斯), 、-lists.
- ``align``: the phrases that could fill the question's gap, best first: the question's
  words before its question word should sit before the phrase, those after it after,
  and close by; the expected shape counts; a pronoun (此, 他們) is a poor filler.
- ``extract_span``: the best filler of one sentence, for a question string.
- ``clauses``, ``best_clause``, ``clause_window``: comma-delimited clauses, for quoting
  the filler with its context within a length budget.

Example::

    >>> sentence = "2013年9月29日上海自貿區掛牌。"
    >>> start, end, kind = extract_span("上海自貿區是哪一天掛牌的？", sentence)
    >>> sentence[start:end], kind
    ('2013年9月29日', 'typed')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsqa.answer_types import UNITS, QuestionType
from newsqa.chinese import ARABIC_NUMBER, NUMERAL_CHARS
from newsqa.script import fold
from newsqa.text import TOKEN_RUN_RE, bigram_tokens, strip_question_words

_CN_DIGIT = NUMERAL_CHARS + "廿卅"  # 廿 20, 卅 30 (廿一日)
_NUM = rf"(?:{ARABIC_NUMBER}|[{_CN_DIGIT}]+)"
_ERAS = (
    "民国", "光绪", "康熙", "乾隆", "雍正", "嘉庆", "道光", "咸丰", "同治", "宣统", "顺治", "天启", "崇祯", "万历",
    "嘉靖", "隆庆", "正德", "弘治", "成化", "洪武", "永乐", "宣德", "正统", "景泰", "天顺", "建文", "永历", "昭和",
    "明治", "大正", "平成", "令和", "天宝", "开元", "贞观", "武德", "建炎", "绍兴", "淳熙", "元丰", "熙宁", "庆历",
    "至正", "至元", "大德", "太平", "建安", "建武", "永和", "太和", "景德", "天圣", "元祐", "崇宁", "大观", "政和",
    "宣和", "靖康", "乾道", "嘉定", "景定", "咸淳", "洪熙", "泰昌", "天命", "天聪", "崇德", "黄帝纪元", "皇纪",
    "主后", "佛历", "伊斯兰历", "回历", "檀纪", "应永", "庆长", "元和", "宽永", "文化", "天保", "嘉永", "安政",
)
_ERA = "|".join(sorted(_ERAS, key=len, reverse=True))
_YEAR = rf"(?:(?:公元前|公元|西元前|西元|前|{_ERA})\s*)?(?:{_NUM}|元)\s*年(?:代(?:初期?|中期?|末期?|后期|晚期|早期)?|[初底末中]|春季?|夏季?|秋季?|冬季?)?"
_MONTH_DAY = rf"(?:{_NUM}|正|腊)\s*月(?:\s*(?:{_NUM})\s*[日号])?(?:[初底末中]|上旬|中旬|下旬)?"
_CENTURY = rf"(?:(?:公元前|公元|西元前|西元)\s*)?{_NUM}\s*世纪(?:\s*(?:初期?|中叶|中期|末期?|晚期|早期|上半叶?|下半叶?|前期|后期|中后期|前半|后半|\d+年代))?"
_DATE_RE = re.compile(
    rf"{_YEAR}(?:\s*{_MONTH_DAY})?|{_MONTH_DAY}|{_CENTURY}|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
)
_NUMBER_PREFIX = r"(?:第|约|近|逾|超过|多达|高达|达|共|仅|约为)"  # 第3, 约300, 超过2万
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_NUMBER_RE = re.compile(
    rf"第{_NUM}[大名强]"
    rf"|{_NUMBER_PREFIX}?"
    rf"(?:{_NUM}\s*(?:分之|比)\s*{_NUM}|(?:百|千|万)分之{_NUM}(?:\.\d+)?|{_NUM}(?:\s*[多余几]?\s*(?:万|亿|千|百|兆|垓))*)"
    rf"(?:\s*[多余几])?\s*(?:%|‰|成|(?:个|名|位)?(?:{_UNIT_ALT})?(?:/(?:{_UNIT_ALT}))?)"
    rf"(?:以上|以下|左右|之多)?"
)
_QUOTE_RE = re.compile(r"「[^「」]{1,40}」|《[^《》]{1,40}》|“[^“”]{1,40}”|『[^『』]{1,40}』|〈[^〈〉]{1,40}〉|\"[^\"]{1,40}\"")
_LATIN_RE = re.compile(r"[a-z][a-z0-9&'\-]*(?:[ .][a-z0-9&'\-]+)*", re.IGNORECASE)
_NAME_DOT_RE = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·•‧・．][\u4e00-\u9fff]{1,8})+")
_COMMA_CLAUSE_RE = re.compile(r"[^，,：:；;。！？!?]+[，,：:；;。！？!?」』”）)]*")
PUNCTUATION = "，,、：:；;。！？!?「」『』“”《》〈〉（）()[]【】 \t\n—…"
_ANAPHORA = ("此", "该", "这", "其", "他", "她", "它", "上述", "前者", "后者", "当时", "同年", "此后", "之后", "本")


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and, for each of its characters, the offset in the original."""

    text: str
    offsets: tuple[int, ...]
    source_len: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of folded ``[start, end)``."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else self.source_len
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


def fold_map(text: str) -> Folded:
    """``fold(text)`` with a map back to ``text`` (per character when folding changes the length)."""
    folded = fold(text)
    if len(folded) == len(text):
        return Folded(folded, tuple(range(len(text))), len(text))
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        chars.append(f)
        offsets.extend([i] * len(f))
    return Folded("".join(chars), tuple(offsets), len(text))


# --------------------------------------------------------------------------- typed spans


def _trim_number(text: str, s: int, e: int) -> tuple[int, int]:
    m = text[s:e]
    stripped = m.rstrip()
    return s, s + len(stripped)


def find_dates(folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in _DATE_RE.finditer(folded) if m.group().strip() and not _is_bare_cn_one(m.group())]


def _is_bare_cn_one(text: str) -> bool:
    # 「一年」「十月」 inside ordinary words are rarely dates unless they carry a number.
    return bool(re.fullmatch(r"[一两几]\s*(?:年|月)", text))


def find_numbers(folded: str) -> list[tuple[int, int]]:
    spans = []
    for m in _NUMBER_RE.finditer(folded):
        g = m.group()
        if not g.strip():
            continue
        if not re.search(r"\d", g):
            # Chinese numerals: 一 alone is everywhere (一个, 一直); keep real numbers.
            core = re.sub(rf"^{_NUMBER_PREFIX}", "", g)
            numeral = re.match(rf"[{_CN_DIGIT}]*", core).group()
            if numeral in ("", "一") or re.fullmatch(r"[一两]\s*\S?", core):
                continue  # 一个, 一种: an article, not a quantity
            if len(core) < 2:
                continue
        spans.append(_trim_number(folded, *m.span()))
    return spans


def find_quotes(folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE_RE.finditer(folded)]


def find_latin(folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in _LATIN_RE.finditer(folded) if len(m.group()) >= 2 and not m.group().isdigit()]


def find_dotted_names(folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in _NAME_DOT_RE.finditer(folded)]


def find_lists(folded: str) -> list[tuple[int, int]]:
    """Runs of 、-separated items (X、Y和Z), the whole run."""
    spans = []
    item = r"[^，,。；;：:！？!?、\s]"
    for m in re.finditer(rf"{item}{{1,12}}(?:、{item}{{1,12}})+(?:(?:和|及|与|以及|或){item}{{1,12}})?", folded):
        spans.append(m.span())
    return spans


def typed_spans(qtype: str, folded: str) -> list[tuple[int, int]]:
    """Phrases of ``folded`` that have the shape the question type asks for."""
    if qtype == "date":
        return find_dates(folded)
    if qtype in ("number", "quantity"):
        return [sp for sp in find_numbers(folded)]
    if qtype == "person":
        return find_dotted_names(folded) + find_latin(folded) + find_quotes(folded)
    if qtype in ("place", "organisation", "other"):
        return find_quotes(folded) + find_latin(folded) + find_dotted_names(folded)
    if qtype == "list":
        return find_lists(folded)
    return []


# --------------------------------------------------------------------------- alignment


def question_mask(folded: str, q_tokens: set[str]) -> list[bool]:
    """For each character of ``folded``: is it part of a question token (bigram or latin word)?"""
    mask = [False] * len(folded)
    for i in range(len(folded) - 1):
        if folded[i : i + 2] in q_tokens:
            mask[i] = mask[i + 1] = True
    for m in re.finditer(r"[a-z0-9]+(?:[.%][0-9]+)?", folded):
        if m.group() in q_tokens:
            for j in range(m.start(), m.end()):
                mask[j] = True
    return mask


def _uncovered_runs(folded: str, mask: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of characters not covered by the question, cut at punctuation."""
    runs = []
    i = 0
    n = len(folded)
    while i < n:
        if mask[i] or folded[i] in PUNCTUATION:
            i += 1
            continue
        j = i
        while j < n and not mask[j] and folded[j] not in PUNCTUATION:
            j += 1
        runs.append((i, j))
        i = j
    return runs


_FUNCTION_PREFIX = re.compile(r"^(?:的|了|在|于|是|为|由|被|将|把|和|与|及|以|从|自|到|对|向|也|都|就|还|又|即|并|而|但|则|所|有|之)+")
_FUNCTION_SUFFIX = re.compile(r"(?:的|了|在|于|是|为|由|被|将|把|和|与|及|以|从|自|到|对|向|也|都|就|还|又|即|并|而|但|则|所|有|之|时|等|中|上|后|前)+$")


def _clean_run(folded: str, s: int, e: int) -> tuple[int, int]:
    text = folded[s:e]
    p = _FUNCTION_PREFIX.match(text)
    if p and p.end() < len(text):
        s += p.end()
        text = folded[s:e]
    q = _FUNCTION_SUFFIX.search(text)
    if q and q.start() > 0:
        e = s + q.start()
    return s, e


# --------------------------------------------------------------------------- clauses


def clauses(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Comma-delimited clauses of ``text[start:end]`` (offsets into ``text``), punctuation kept."""
    end = len(text) if end is None else end
    out = []
    for m in _COMMA_CLAUSE_RE.finditer(text[start:end]):
        s, e = start + m.start(), start + m.end()
        if text[s:e].strip():
            out.append((s, e))
    return out


def best_clause(sentence: str, q_tokens: set[str]) -> tuple[int, int]:
    """The clause of ``sentence`` that shares most question words (the whole sentence if one)."""
    parts = clauses(sentence)
    if not parts:
        return 0, len(sentence)
    best, best_score = parts[0], -1.0
    for s, e in parts:
        toks = set(bigram_tokens(fold(sentence[s:e])))
        score = len(q_tokens & toks) - 0.001 * (e - s)
        if score > best_score:
            best, best_score = (s, e), score
    return best


# --------------------------------------------------------------------------- gap alignment


@dataclass(frozen=True, slots=True)
class Filler:
    """A phrase of a folded sentence that could fill the question's gap, and how well it fits."""

    start: int
    end: int
    score: float
    left: float  # share of the question's words before the gap found before the phrase
    right: float  # share of the words after the gap found after the phrase
    adjacent: bool  # a word next to the gap in the question is right next to the phrase
    typed: bool  # the phrase has the shape the question asks for (a date, a number …)
    anaphor: bool  # the phrase is a pronoun (此, 他們 …): the answer is elsewhere


def _token_positions(folded: str, tokens: dict[str, float]) -> list[tuple[int, str]]:
    out = []
    for i in range(len(folded) - 1):
        t = folded[i : i + 2]
        if t in tokens:
            out.append((i, t))
    for m in re.finditer(r"[a-z0-9]+(?:[.%][0-9]+)?", folded):
        if m.group() in tokens:
            out.append((m.start(), m.group()))
    return out


_CONTENT_RE = re.compile(r"[?？!！。，,、：:；;\s「」『』“”《》()（）]")


def _side_positions(text: str, from_end: bool) -> dict[str, int]:
    """Tokens of one side of the question and their distance (characters) from the gap."""
    cleaned = _CONTENT_RE.sub(" ", strip_question_words(text))
    out: dict[str, int] = {}
    for m in TOKEN_RUN_RE.finditer(cleaned):
        run = m.group()
        toks = [(m.start(), run)] if run[0].isascii() else [(m.start() + i, run[i : i + 2]) for i in range(max(1, len(run) - 1))]
        for pos, tok in toks:
            d = (len(cleaned) - (pos + len(tok))) if from_end else pos
            if tok not in out or d < out[tok]:
                out[tok] = max(d, 0)
    return out


def _decay(d: float, scale: float = 6.0) -> float:
    return 1.0 / (1.0 + max(d, 0.0) / scale)


def align(
    q: QuestionType,
    folded: str,
    weights: dict[str, float],
    typed: list[tuple[int, int]] | None = None,
) -> list[Filler]:
    """Phrases of ``folded`` that could fill the question's gap, best first.

    The question is split at its question word into a left part and a right part. Each
    question word found in the sentence votes for the phrases next to it: a left-part
    word before the phrase, a right-part word after it (the other way round counts half),
    more when it sits close to the phrase in the sentence *and* close to the gap in the
    question. The phrase's shape counts too (``typed`` spans: a date for 哪一年 …), and
    a pronoun (此, 他們 …) is a poor answer: the real one is in another sentence.
    """
    lpos = _side_positions(q.left, from_end=True)
    rpos = _side_positions(q.right, from_end=False)
    toks = {**{t: weights.get(t, 1.0) for t in lpos}, **{t: weights.get(t, 1.0) for t in rpos}}
    mask = [False] * len(folded)
    positions = _token_positions(folded, toks)
    for i, t in positions:
        for j in range(i, min(i + len(t), len(folded))):
            mask[j] = True
    # The best a phrase could get: every question word right next to it.
    norm = sum(weights.get(t, 1.0) * _decay(d) for t, d in lpos.items())
    norm += sum(weights.get(t, 1.0) * _decay(d) for t, d in rpos.items())
    norm = norm or 1.0

    fillers: list[Filler] = []
    for s, e, is_typed in _phrases(q, folded, mask, typed):
        best, lb, ra = _votes(positions, toks, lpos, rpos, s, e)
        score = sum(best.values()) / norm
        text = folded[s:e]
        # A question word right next to the phrase (a particle like 为/于 may sit between).
        adjacent = any(mask[max(0, s - 2) : s]) or any(mask[e : e + 2])
        anaphor = text.startswith(_ANAPHORA) and len(text) <= 4
        if is_typed:
            score += 0.35 if q.type in ("date", "number", "quantity") else 0.15
        if q.noun and len(q.noun) <= 3 and text.endswith(q.noun) and len(text) > len(q.noun):
            score += 0.15
        if anaphor:
            score -= 0.5
        if e - s == 1:
            score -= 0.15
        score -= 0.004 * max(0, e - s - 12)
        fillers.append(Filler(s, e, score, lb, ra, adjacent, is_typed, anaphor))
    fillers.sort(key=lambda f: -f.score)
    return fillers


def _phrases(
    q: QuestionType, folded: str, mask: list[bool], typed: list[tuple[int, int]] | None
) -> list[tuple[int, int, bool]]:
    """The phrases ``align`` scores, ``(start, end, typed)``: runs of the sentence outside the
    question's words, and the ``typed`` spans (a date for 哪一年 …) that are mostly new; for a
    question asking for a kind of thing, each phrase extended to the noun that names it."""
    spans: list[tuple[int, int, bool]] = []
    for s, e in _uncovered_runs(folded, mask):
        s2, e2 = _clean_run(folded, s, e)
        if e2 > s2:
            spans.append((s2, e2, False))
    for s, e in typed or ():
        while s < e and mask[s]:  # a typed phrase starts after the question's words
            s += 1
        while q.type == "list" and e > s and mask[e - 1]:
            e -= 1
        if e > s and sum(not mask[i] for i in range(s, e)) * 2 >= (e - s):
            spans.append((s, e, True))
    if q.noun and len(q.noun) <= 3 and q.type in ("place", "organisation", "person", "other"):
        # 「哪個組織」→ 聯合國教科文組織, 「哪一州」→ 奧克拉荷馬州: the asked noun ends the answer.
        noun_spans = []
        for s, e, is_typed in spans:
            inner = folded.find(q.noun, s + 1, e)
            if inner > s:
                noun_spans.append((s, inner + len(q.noun), is_typed))
            elif folded[e : e + len(q.noun)] == q.noun:
                noun_spans.append((s, e + len(q.noun), is_typed))
            else:
                noun_spans.append((s, e, is_typed))
        spans = noun_spans
    return spans


def _votes(
    positions: list[tuple[int, str]], toks: dict[str, float], lpos: dict[str, int], rpos: dict[str, int], s: int, e: int
) -> tuple[dict[str, float], float, float]:
    """Each question word's best vote for the phrase ``[s, e)`` (a left-part word before it,
    a right-part word after it; the other way round counts half), and how many left-part
    words stand before it and right-part words after it."""
    best: dict[str, float] = {}
    lb = ra = 0.0
    for i, t in positions:
        w = toks[t]
        vote = 0.0
        if i + len(t) <= s:  # before the phrase
            d = s - (i + len(t))
            if t in lpos:
                vote = w * _decay(d) * _decay(lpos[t])
            elif t in rpos:
                vote = 0.5 * w * _decay(d) * _decay(rpos[t])
        elif i >= e:  # after the phrase
            d = i - e
            if t in rpos:
                vote = w * _decay(d) * _decay(rpos[t])
            elif t in lpos:
                vote = 0.5 * w * _decay(d) * _decay(lpos[t])
        if vote > best.get(t, 0.0):
            best[t] = vote
    for i, t in positions:
        if i + len(t) <= s and t in lpos:
            lb += 1
        if i >= e and t in rpos:
            ra += 1
    return best, lb, ra


def extract_span(
    question: str | QuestionType, sentence: str, weights: dict[str, float] | None = None
) -> tuple[int, int, str]:
    """The phrase of ``sentence`` that answers ``question`` (offsets into ``sentence``) and its kind.

    ``kind`` is "typed" (a date, a number, a quoted title, a name), "gap" (the words that
    fill the question's gap) or "clause" (nothing stood out: the clause sharing most of
    the question's words). ``weights`` are token weights (IDF); all 1 when omitted.
    """
    from newsqa.answer_types import detect_answer_type

    q = detect_answer_type(question) if isinstance(question, str) else question
    fm = fold_map(sentence)
    if q.type == "yesno":  # the answer is the statement itself
        start, end = best_clause(sentence, set(bigram_tokens(strip_question_words(q.folded))))
        return start, end, "clause"
    fillers = align(q, fm.text, weights or {}, typed=typed_spans(q.type, fm.text))
    if fillers:
        top = fillers[0]
        start, end = fm.span(top.start, top.end)
        return start, end, "typed" if top.typed else "gap"
    q_tokens = set(bigram_tokens(strip_question_words(q.folded)))
    start, end = best_clause(sentence, q_tokens)
    return start, end, "clause"


def clause_window(sentence: str, start: int, end: int, budget: int, q_tokens: set[str]) -> tuple[int, int]:
    """The run of whole clauses of ``sentence`` around ``[start, end)`` within ``budget`` characters.

    Starting from the clause(s) holding the phrase, neighbouring clauses are added, the one
    sharing more of the question's words first, while the run fits. A single clause longer
    than the budget is cut around the phrase.
    """
    parts = clauses(sentence)
    if not parts:
        return start, end
    idx = [i for i, (cs, ce) in enumerate(parts) if cs < end and ce > start]
    lo, hi = (idx[0], idx[-1]) if idx else (0, 0)
    shared = [len(q_tokens & set(bigram_tokens(fold(sentence[cs:ce])))) for cs, ce in parts]
    while True:
        options = []
        if lo > 0 and parts[hi][1] - parts[lo - 1][0] <= budget:
            options.append((shared[lo - 1], 1, lo - 1, hi))
        if hi + 1 < len(parts) and parts[hi + 1][1] - parts[lo][0] <= budget:
            options.append((shared[hi + 1], 0, lo, hi + 1))
        if not options:
            break
        _, _, lo, hi = max(options)
    s, e = parts[lo][0], parts[hi][1]
    if e - s > budget:
        room = max(budget - (end - start), 0)
        s = max(s, start - room // 2)
        e = min(e, max(end, s + budget))
        # Never cut a number or a latin word in two (14.8% is not 14.8).
        while 0 < s < len(sentence) and _is_word_char(sentence[s - 1]) and _is_word_char(sentence[s]):
            s -= 1
        while 0 < e < len(sentence) and _is_word_char(sentence[e - 1]) and _is_word_char(sentence[e]):
            e += 1
    return s, e


def _is_word_char(ch: str) -> bool:
    """Part of a number or latin word: digits, letters (ASCII or full width), . and %."""
    return ch.isascii() and (ch.isalnum() or ch in ".%") or ch in "％．" or ("０" <= ch <= "９") or ("Ａ" <= ch <= "ｚ")


# --------------------------------------------------------------------------- whole words

_OPENERS = {"(": ")", "（": "）", "“": "”", "「": "」", "『": "』", "《": "》", "【": "】", "[": "]", "‘": "’", "〈": "〉"}
_CLOSERS = {close: open_ for open_, close in _OPENERS.items()}
_SOFT_BREAKS = frozenset("，,。！？!?；;：:、 \t\n\u3000…—") | frozenset(_OPENERS) | frozenset(_CLOSERS)
_TRAILING = "，,、；;：:—"  # an answer never ends on these
_LEADING = "，,。、；;：:！？!?—…"  # nor starts with them
# One-character words a Chinese phrase often begins after (「…33分在山东省…」): a start
# may fall right behind one when no punctuation is near.
_PREPOSITIONS = frozenset("在于由从对向据为将把被与和及并而到至")
WHOLE_WORD_REACH = 24  # characters a span may grow to reach a break rather than cut a word
BRACKET_REACH = 60  # characters a span may grow to close a bracket or quotation it opens


def _at_break(text: str, i: int) -> bool:
    """Whether a span may start or end at ``i`` without cutting a word, number or bracket."""
    if i <= 0 or i >= len(text):
        return True
    before, after = text[i - 1], text[i]
    if before in _SOFT_BREAKS or after in _SOFT_BREAKS:
        return True
    # A number or latin word against a Chinese character is a word edge (5.5级 | 地震 stays whole).
    return _is_word_char(before) != _is_word_char(after) and not (before.isdigit() and after in "年月日号時时分秒%％")


def _whole_start(text: str, s: int, e: int) -> int:
    if _at_break(text, s) or text[s - 1] in _PREPOSITIONS:
        return s
    for back in range(s - 1, max(s - WHOLE_WORD_REACH, 0) - 1, -1):
        if _at_break(text, back) or text[back - 1] in _PREPOSITIONS:
            return back
    ahead = next((i for i in range(s + 1, e) if _at_break(text, i)), s)
    return ahead


def _whole_end(text: str, s: int, e: int) -> int:
    if _at_break(text, e):
        return e
    for forward in range(e + 1, min(e + WHOLE_WORD_REACH, len(text)) + 1):
        if _at_break(text, forward):
            return forward
    back = next((i for i in range(e - 1, s, -1) if _at_break(text, i)), e)
    return back


def _balanced(text: str, s: int, e: int) -> tuple[int, int]:
    """Grow ``[s, e)`` to close (or open) a bracket or quotation it cuts, else cut before it."""
    for _ in range(8):  # a few nested or neighbouring pairs at most
        stack: list[int] = []
        unopened = None
        for i in range(s, e):
            if text[i] in _OPENERS and not (text[i] in _CLOSERS and stack and text[stack[-1]] == _CLOSERS[text[i]]):
                stack.append(i)
            elif text[i] in _CLOSERS:
                if stack and text[stack[-1]] == _CLOSERS[text[i]]:
                    stack.pop()
                elif unopened is None:
                    unopened = i
        if unopened is not None:
            opener = text.rfind(_CLOSERS[text[unopened]], max(s - BRACKET_REACH, 0), s)
            s = opener if opener >= 0 else unopened + 1
            continue
        if stack:
            first = stack[0]
            closer = text.find(_OPENERS[text[first]], e, min(e + BRACKET_REACH, len(text)))
            e = closer + 1 if closer >= 0 else first
            continue
        break
    return s, e


def whole_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` of ``text`` moved so that it does not begin or end inside a word,
    number or bracket pair, nor end on a comma: an answer quotes whole phrases.

    >>> text = "2023年8月6日2时33分在山东省德州市平原县发生5.5级地震(北纬37.16゜，东经116.34゜)，震源深度10公里。"
    >>> s, e = whole_span(text, text.index("东省"), text.index("，东经"))
    >>> text[s:e]  # the word 山东 whole, the bracket closed
    '山东省德州市平原县发生5.5级地震(北纬37.16゜，东经116.34゜)'
    """
    if start >= end:
        return start, end
    s, e = _whole_start(text, start, end), _whole_end(text, start, end)
    s, e = _balanced(text, s, e)
    while e > s and (text[e - 1] in _TRAILING or text[e - 1].isspace()):
        e -= 1
    while s < e and (text[s] in _LEADING or text[s].isspace()):
        s += 1
    return (s, e) if e > s else (start, end)
