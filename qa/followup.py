"""Follow-up questions made standalone, by rules (no model), for the extractive answerer.

The extractive answerer sees one question at a time, so a follow-up such as 「那張江呢？」
must be rewritten into the question it stands for before retrieval. Two cases are
handled, both conservatively (a question that stands alone comes back unchanged):

* **Elliptical** questions: they start with 那 / 那麼 / 那么 / 還有 / 还有, end with 呢,
  or are very short (four Chinese characters or fewer), and what is left after those
  words is a bare phrase (no question word such as 什麼 / 哪 / 多少 / 嗎). The phrase
  replaces the matching part of the previous question: a same-length span that differs
  in one character (「扩区后」 for 「扩区前」), else the previous question's main entity
  (「張江」 for 「陸家嘴」). An attribute word (面積, 時間, 原因…) is asked about the
  main entity instead: 「上海自貿區的面積呢？」.
* **Pronouns** 它 / 它們 / 他們 / 她們, 該 + noun (該區, 該公司…) and 這個 (+ noun) are
  replaced by the previous question's main entity.

The main entity of a question is, in order: a quoted name (「…」, 《…》, “…”; for
pronouns); the subject, i.e. the words before the first predicate or question word, cut
after a place/organisation suffix (區, 市, 公司, 大學…) when that subject is long; the
longest run shared with an indexed article title (when titles are given); else the
first proper-noun-ish run that ends in such a suffix (「上海自貿區」 in
「哪一天上海自貿區掛牌？」). A pronoun with a noun (該區, 這個公司) is replaced only by an
entity that ends like that noun (區, 公司); 「該活動」 after a question about a zoo
stays as it is.

The result is written in the script of the new question (Simplified or Traditional);
when the new question does not show its script, in the previous question's.

Example::

    >>> rewriter = FollowUpRewriter()
    >>> history = [("陸家嘴在上海自貿區擴區時納入了嗎？", "是的。[1]")]
    >>> rewriter.run("那張江呢？", history)
    '張江在上海自貿區擴區時納入了嗎？'
    >>> rewriter.run("那张江呢？", history)
    '张江在上海自贸区扩区时纳入了吗？'
    >>> rewriter.run("上海自貿區是哪一天掛牌的？", history)   # stands alone: unchanged
    '上海自貿區是哪一天掛牌的？'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence

from newsqa.script import detect_script, to_script, to_simplified_in_place
from newsqa.text import HAN

__all__ = ["FollowUpRewriter", "LLMFollowUpRewriter"]

#: Openings that mark a follow-up (longest first).
LEADS: tuple[str, ...] = ("那麼", "那么", "還有", "还有", "那")
#: Question words and particles: a phrase containing one is a question of its own.
QUESTION_WORDS: tuple[str, ...] = (
    "什麼", "什么", "甚麼", "哪", "誰", "谁", "多少", "幾", "几", "如何", "怎", "為何", "为何",
    "為什麼", "为什么", "何時", "何时", "何地", "何處", "何处", "是否", "是不是", "有沒有", "有没有",
    "嗎", "吗", "多大", "多久", "多長", "多长", "多高", "多遠", "多远", "多重", "多深", "多快",
)
#: Words after which a short phrase is small talk, not a follow-up.
SMALL_TALK: frozenset[str] = frozenset(
    {"你好", "您好", "謝謝", "谢谢", "多謝", "多谢", "好的", "好", "再見", "再见", "是的", "不是",
     "對", "对", "嗯", "哦", "了解", "明白", "收到", "OK", "ok"}
)
#: Attribute nouns: 「那面積呢？」 asks for the main entity's 面積.
ATTRIBUTES: frozenset[str] = frozenset(
    {"面積", "面积", "人口", "時間", "时间", "日期", "地點", "地点", "位置", "原因", "規模", "规模",
     "金額", "金额", "價格", "价格", "數量", "数量", "目的", "結果", "结果", "影響", "影响", "背景",
     "意義", "意义", "成果", "效果", "經過", "经过", "作用", "特點", "特点", "範圍", "范围"}
)
#: Roles (longest first): 「那董事長呢？」 after 「中國聯通總裁是誰？」 swaps the role, not the company.
ROLES: tuple[str, ...] = tuple(sorted(
    {"總裁", "总裁", "董事長", "董事长", "總經理", "总经理", "副總裁", "副总裁", "主席", "副主席", "市長", "市长",
     "省長", "省长", "縣長", "县长", "區長", "区长", "校長", "校长", "院長", "院长", "主教練", "主教练", "教練",
     "教练", "隊長", "队长", "創始人", "创始人", "執行長", "执行长", "首席執行官", "首席执行官", "CEO", "發言人",
     "发言人", "局長", "局长", "部長", "部长", "總統", "总统", "總理", "总理", "書記", "书记", "負責人", "负责人",
     "導演", "导演", "主演", "作者", "法定代表人", "實控人", "实控人", "黨委書記", "党委书记"},
    key=len, reverse=True,
))
#: Characters (and words) that end the subject of a question: predicates, particles, question words.
_SUBJECT_END = re.compile(
    r"是|在|的|有|於|于|為|为|被|將|将|已|曾|會|会|和|與|与|跟|對|对|從|从|把|由|向|給|给|到|讓|让"
    r"|就|才|又|所|並|并|不|沒|没|能|可|要|都|也|還|还|正|共|比|如何|怎|什|甚|哪|誰|谁|多|幾|几|何"
    r"|嗎|吗|呢|今年|去年|明年|目前|現在|现在|如今"
)
#: Suffixes of place and organisation names (longest first inside the alternation).
_NAME_SUFFIX = re.compile(
    r"(?:自貿區|自贸区|試驗區|试验区|開發區|开发区|保稅區|保税区|新區|新区|片區|片区|委員會|委员会"
    r"|公司|集團|集团|銀行|银行|大學|大学|醫院|医院|政府|機場|机场|動物園|动物园|博物館|博物馆"
    r"|區|区|市|省|縣|县|鎮|镇|村|港|島|岛|灣|湾|園|园|館|馆|部|局|署|廳|厅|社|台|臺|站|所|院|校|隊|队|黨|党)"
)
_COUNTING = "一二三四五六七八九十百千萬万兩两零〇年月日天號号時时個个次第每"
_NAME_END = re.compile(_NAME_SUFFIX.pattern + "$")
_QUOTED = re.compile(r"「([^「」]{1,20})」|『([^『』]{1,20})』|《([^《》]{1,20})》|“([^“”]{1,20})”|\"([^\"]{1,20})\"")
_PUNCT = "？?！!。．.，,、；;：:…~～ \t\r\n\u3000"
_HAN = re.compile(f"[{HAN}]")
_POLITE = ("請問", "请问", "想問", "想问", "我想知道")
#: Pronouns replaced by the main entity (plural forms first).
_PRONOUN_NOUNS = (
    "片區", "片区", "地區", "地区", "公司", "機構", "机构", "項目", "项目", "組織", "组织", "城市",
    "政策", "計劃", "计划", "方案", "活動", "活动", "事件", "報告", "报告", "法案", "協議", "协议",
    "區", "区", "市", "省", "國", "国", "園", "园", "館", "馆", "港", "地", "案", "會", "会",
)
_NOUNS = "|".join(_PRONOUN_NOUNS)
_PRONOUN = re.compile(
    rf"(?<!其)(?:它們|它们|他們|他们|她們|她们|它)"  # 其它 means "other"
    rf"|(?:這個|这个)(?P<noun>{_NOUNS})?"
    rf"|(?<![應应活本])(?:該|该)(?P<noun2>{_NOUNS})"  # 應該/活該/本該 are not pronouns
    rf"|^(?:該|该)"
)
MAX_ENTITY_CHARS = 12
MAX_PHRASE_CHARS = 12
SHORT_QUESTION_CHARS = 4


def _has_question_word(text: str) -> bool:
    return any(w in text for w in QUESTION_WORDS)


def _han_len(text: str) -> int:
    return len(_HAN.findall(text))


_FOLDED_ROLES: tuple[str, ...] = tuple(dict.fromkeys(to_simplified_in_place(role) for role in ROLES))  # longest first


def _strip_polite(text: str) -> str:
    for word in _POLITE:
        if text.startswith(word):
            return text[len(word):].lstrip("，, ")
    return text


class FollowUpRewriter:
    """Rewrites an elliptical or pronoun follow-up into a standalone question.

    ``titles``: indexed article titles (or a callable returning them, read once), used to
    find the topic a pronoun refers to. Thread-safe after construction.
    """

    def __init__(self, titles: Iterable[str] | Callable[[], Iterable[str]] | None = None):
        self._titles_source = titles
        self._titles: str | None = None

    # ------------------------------------------------------------------ public
    def run(self, question: str, history: Sequence[tuple[str, str]], *, today: str | None = None) -> str:
        """The standalone form of ``question`` given earlier (question, answer) turns, oldest
        first; ``question`` itself when it stands alone or no rule applies. (``today`` is
        for :class:`LLMFollowUpRewriter`; the rules do not resolve relative dates.)"""
        if not question or not history:
            return question
        previous = (history[-1][0] or "").strip()
        if not previous or question.strip() == previous:
            return question
        text = question.strip()
        phrase = self._elliptical_phrase(text)
        if phrase is not None:
            rewritten = self._substitute(phrase, previous)
        else:
            rewritten = self._resolve_pronoun(text, previous)
        if not rewritten or rewritten == previous:
            return question
        return rewritten

    # ------------------------------------------------------------------ elliptical
    def _elliptical_phrase(self, text: str) -> str | None:
        """The bare phrase of an elliptical follow-up (「那張江呢？」 → 「張江」), else None."""
        core = text.strip(_PUNCT)
        lead = next((w for w in LEADS if core.startswith(w)), "")
        core = core[len(lead):].strip(_PUNCT)
        ne = core.endswith("呢")
        if ne:
            core = core[:-1].rstrip(_PUNCT)
            core = core.removesuffix("的")
        if not core or core in SMALL_TALK or _has_question_word(core) or _PRONOUN.search(core):
            return None
        short = _han_len(core) <= SHORT_QUESTION_CHARS and len(core) <= SHORT_QUESTION_CHARS + 2
        if not (lead or ne or short):
            return None
        if len(core) > MAX_PHRASE_CHARS or not _HAN.search(core):
            return None
        return core

    def _substitute(self, phrase: str, previous: str) -> str | None:
        target = detect_script(phrase, default=detect_script(previous))
        folded_prev, folded_phrase = to_simplified_in_place(previous), to_simplified_in_place(phrase)
        if folded_phrase in folded_prev:
            return None  # nothing new to ask about
        span = self._similar_span(folded_phrase, folded_prev) or self._role_span(phrase, previous)
        if span is None:
            entity = self._subject_entity(previous) or self._title_span(previous) or self._named_run(previous)
            if entity is None:
                return None
            start, end = entity
            if phrase in ATTRIBUTES:
                return self._in_script(previous[start:end], target) + "的" + phrase + "呢？"
            span = (start, end)
        start, end = span
        return self._in_script(previous[:start], target) + phrase + self._in_script(previous[end:], target)

    @staticmethod
    def _role_span(phrase: str, previous: str) -> tuple[int, int] | None:
        """Where ``previous`` names a role, when ``phrase`` is another one (董事長 for 總裁)."""
        if to_simplified_in_place(phrase) not in _FOLDED_ROLES:
            return None
        folded_prev = to_simplified_in_place(previous)
        for role in _FOLDED_ROLES:
            at = folded_prev.find(role)
            if at >= 0:
                return at, at + len(role)
        return None

    @staticmethod
    def _similar_span(phrase: str, text: str) -> tuple[int, int] | None:
        """A span of ``text`` as long as ``phrase`` that differs from it in few characters
        (「扩区后」 ~ 「扩区前」); needs at least two shared characters."""
        n = len(phrase)
        if n < 3:
            return None
        best: tuple[int, int] | None = None
        for i in range(len(text) - n + 1):
            window = text[i : i + n]
            same = sum(a == b for a, b in zip(window, phrase))
            close = same >= 2 and n - same <= max(1, n // 3)
            if close and (best is None or same > best[1]) and not _has_question_word(window):
                best = (i, same)
        return None if best is None else (best[0], best[0] + n)

    # ------------------------------------------------------------------ pronouns
    def _resolve_pronoun(self, text: str, previous: str) -> str | None:
        match = _PRONOUN.search(text)
        if match is None:
            return None
        entity = self._quoted(previous)
        if entity is None:
            span = self._subject_entity(previous) or self._title_span(previous) or self._named_run(previous)
            entity = previous[span[0]:span[1]] if span else None
        if not entity or to_simplified_in_place(entity) in to_simplified_in_place(text):
            return None
        noun = match.group("noun") or match.group("noun2")
        if noun and not to_simplified_in_place(entity).endswith(to_simplified_in_place(noun)[-1]):
            return None  # 「該公司」 after a question about a place: not this entity
        target = detect_script(text, default=detect_script(previous))
        return text[: match.start()] + self._in_script(entity, target) + text[match.end():]

    # ------------------------------------------------------------------ entities
    @staticmethod
    def _quoted(text: str) -> str | None:
        match = _QUOTED.search(text)
        if match is None:
            return None
        return next(g for g in match.groups() if g)

    @staticmethod
    def _subject_entity(text: str) -> tuple[int, int] | None:
        """The subject: the words before the first predicate/question word, as a span."""
        start, n = 0, len(text)
        while start < n and text[start] in _PUNCT:
            start += 1
        for word in (*_POLITE, *LEADS):
            if text.startswith(word, start):
                start += len(word)
                break
        while start < n and text[start] in _PUNCT:
            start += 1
        body = text[start:]
        match = _SUBJECT_END.search(body)
        subject = body[: match.start()] if match else body.rstrip(_PUNCT)
        if not subject or any(ch in _PUNCT for ch in subject):
            return None
        if len(subject) > 6 and not _NAME_END.search(subject):
            # long and not itself a name: cut after its first place/organisation suffix
            named = _NAME_SUFFIX.search(subject, 1)
            if named is None:
                return None
            subject = subject[: named.end()]
        if not 2 <= len(subject) <= MAX_ENTITY_CHARS or not _HAN.search(subject):
            return None
        return start, start + len(subject)

    @staticmethod
    def _named_run(text: str) -> tuple[int, int] | None:
        """The first stretch of Chinese characters between predicate words that ends in a
        place/organisation suffix (「上海自貿區」 in 「哪一天上海自貿區掛牌？」)."""
        for run in re.finditer(f"[{HAN}]+", text):
            chars, pos = run.group(0), 0
            cuts = [m.span() for m in _SUBJECT_END.finditer(chars)] + [(len(chars), len(chars))]
            for cut_start, cut_end in cuts:
                piece, piece_start, pos = chars[pos:cut_start], run.start() + pos, cut_end
                lead = len(piece) - len(piece.lstrip(_COUNTING))  # 「一天上海自貿區」: not 一天
                piece, piece_start = piece[lead:], piece_start + lead
                if len(piece) < 2:
                    continue
                named = _NAME_SUFFIX.search(piece, 1)
                if named is not None and named.end() <= MAX_ENTITY_CHARS:
                    return piece_start, piece_start + named.end()
        return None

    def _title_span(self, text: str) -> tuple[int, int] | None:
        """The longest run of ``text`` (3+ characters, no question words) found in a title."""
        titles = self._title_text()
        if not titles:
            return None
        folded = to_simplified_in_place(text)
        for size in range(min(len(folded), 20), 2, -1):
            for i in range(len(folded) - size + 1):
                piece = folded[i : i + size]
                if not _HAN.fullmatch(piece[0]) or not _HAN.fullmatch(piece[-1]):
                    continue
                if _has_question_word(piece) or any(ch in _PUNCT for ch in piece):
                    continue
                if piece in titles:
                    return i, i + size
        return None

    def _title_text(self) -> str:
        if self._titles is None:
            source = self._titles_source
            try:
                titles = source() if callable(source) else (source or ())
                self._titles = "\n".join(to_simplified_in_place(str(t)) for t in titles if t)
            except Exception:  # noqa: BLE001 - titles are a hint; without them the rules still work
                self._titles = ""
        return self._titles

    @staticmethod
    def _in_script(text: str, script: str) -> str:
        if not text or detect_script(text, default=script) == script:
            return text
        return to_script(text, script)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- with a language model
#: A question that may lean on the conversation: a follow-up opening or ending, a pronoun
#: or demonstrative, or a relative date. Others stand alone and skip the model call.
_CONTEXTUAL = re.compile(
    r"^(?:那|還有|还有|另外|再|也)|呢[？?]?$|它|他們|他们|她們|她们|該|该|這|这|其|此|上述|前者|後者|后者"
    r"|今天|昨天|前天|明天|今年|去年|前年|明年|本月|上個月|上个月|下個月|下个月|上週|上周|本週|本周|最近|目前|當時|当时"
)
_MAX_HISTORY_TURNS = 2
_MAX_ANSWER_CHARS = 120
logger = logging.getLogger(__name__)


class LLMFollowUpRewriter:
    """Condenses a follow-up into a standalone question with a chat model.

    Used when a generative answerer is configured (``llm_condense``). The prompt is
    ``qa/prompts/condense.txt``; relative dates are resolved against ``today`` (the date of
    the newest article the previous answer cited). The model is asked only when the
    question may depend on the conversation (the rules changed it, or it has a follow-up
    opening, a pronoun or a relative date); its output is refused (and the rules' answer
    used) when it is empty, several lines, much longer than the question and the
    previous one together, or the call fails.

    Example::

        rewriter = LLMFollowUpRewriter(provider, rules=FollowUpRewriter())
        rewriter.run("那張江呢？", [("陸家嘴在上海自貿區擴區時納入了嗎？", "是的。[1]")], today="2021-01-10")
        # '張江在上海自貿區擴區時納入了嗎？'
    """

    def __init__(self, model: Callable[[], object], rules: FollowUpRewriter | None = None, *, max_tokens: int = 64):
        self.model = model
        self.rules = rules or FollowUpRewriter()
        self.max_tokens = max_tokens
        self._prompt = None

    def needs_context(self, question: str, ruled: str) -> bool:
        return ruled != question or bool(_CONTEXTUAL.search(question.strip()))

    def run(self, question: str, history: Sequence[tuple[str, str]], *, today: str | None = None) -> str:
        ruled = self.rules.run(question, history)
        if not question or not history or not self.needs_context(question, ruled):
            return ruled
        try:
            rewritten = self._ask_model(question, history, today)
        except Exception as exc:  # noqa: BLE001 - a failed rewrite must never cost the answer
            logger.warning(
                "the model could not condense the follow-up (%s: %s); using the rules", type(exc).__name__, exc
            )
            return ruled
        if rewritten is None:
            return ruled
        target = detect_script(question, default=detect_script(history[-1][0] or ""))
        return FollowUpRewriter._in_script(rewritten, target)

    def _ask_model(self, question: str, history: Sequence[tuple[str, str]], today: str | None) -> str | None:
        from newsqa.qa.generative import condense_prompt

        if self._prompt is None:
            self._prompt = condense_prompt()
        lines = []
        for q, a in list(history)[-_MAX_HISTORY_TURNS:]:
            answer = re.sub(r"\[\d{1,3}\]", "", a or "").strip()[:_MAX_ANSWER_CHARS]
            lines.append(f"問：{(q or '').strip()}\n答：{answer}")
        messages = self._prompt.format_messages(
            history="\n".join(lines),
            question=question.strip(),
            today=today or "（不知道今天的日期：相對時間照原樣保留）",
        )
        llm = self.model()
        options = getattr(self.model, "with_options", None)
        if callable(options):
            llm = options(max_tokens=self.max_tokens, stop=["\n"])
        reply = llm.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        text = re.sub(r"^\s*(?:完整問題|完整问题|問題|问题)\s*[:：]\s*", "", text.strip()).strip().strip("「」\"'")
        if not text or "\n" in text or len(text) > len(question) + len(history[-1][0] or "") + 20:
            logger.info("ignoring the model's rewrite %r of %r", text, question)
            return None
        return text
