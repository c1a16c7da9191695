"""How Chinese text is cut for matching, for every floor: Han characters, paragraphs and
sentences, tokens (character bigrams), question words, and the characters too common to
count as evidence.

Chinese has no spaces, and on this news text character bigrams of the folded text
(``newsqa.script.fold``: width-folded, Simplified, lower case) beat jieba words (see README,
"Retrieval"); latin words and numbers are kept whole. BM25 (``newsqa.index.bm25``), the
reranker, sentence scoring, span alignment and event matching (``newsqa.qa``) all read these
tokens, so a question and a passage are cut the same way wherever they meet. Sentences are
cut here for the chunker (``newsqa.index.chunker``) and for the answerer alike.

Example::

    >>> bigram_tokens("上海自贸区 2013年 abc")
    ['上海', '海自', '自贸', '贸区', '2013', '年', 'abc']
    >>> query_tokens("上海自贸区是哪一天挂牌的？")[:3]
    ['上海', '海自', '自贸']
    >>> text = "第一句。第二句！"
    >>> [text[s.start:s.end] for s in split_sentences(text)]
    ['第一句。', '第二句！']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ------------------------------------------------------------------------- Han characters
#: The code-point ranges of the characters tokens are made of: CJK Extension A, the unified
#: ideographs and the compatibility ideographs.
HAN_TOKEN_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
#: A regex character-class body of the Han characters: Extension A and the unified ideographs.
HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
#: The same with the compatibility ideographs: what a token's run of Han characters is made of.
HAN_TOKEN = HAN + r"\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")


def is_han(ch: str) -> bool:
    """Whether ``ch`` (one character) is a Han character (Extension A or unified)."""
    return bool(_HAN_RE.match(ch))


# ------------------------------------------------------------------------- paragraphs and sentences
#: Characters that end a sentence (and their half-width forms).
SENTENCE_ENDERS = "。！？；!?;…"
#: Closing quotes and brackets, kept on the sentence they close.
CLOSERS = "」』”’\"')）】》〉]"
# A sentence: anything up to and including a run of enders, then any closing quotes.
# A half-width "." ends a sentence only when followed by whitespace/end and not between digits.
_SENTENCE_RE = re.compile(
    rf"[^{SENTENCE_ENDERS}\n]*?(?:[{SENTENCE_ENDERS}]+|(?<![0-9A-Za-z])\.(?=\s|$))[{re.escape(CLOSERS)}]*|[^\n]+",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open ``[start, end)`` character range of a text."""

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start


def split_paragraphs(text: str) -> list[Span]:
    """Paragraphs are runs of non-blank lines; leading/trailing whitespace is excluded."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        start, end = match.span()
        stripped = match.group()
        lead = len(stripped) - len(stripped.lstrip())
        trail = len(stripped) - len(stripped.rstrip())
        if end - trail > start + lead:
            spans.append(Span(start + lead, end - trail))
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]`` (offsets into ``text``), whitespace trimmed.

    Sentences end at 。！？；… (and their half-width forms !?;), with closing quotes and
    brackets (」』”’）) kept on the sentence they close; a line break ends one too.
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    segment = text[start:end]
    for match in _SENTENCE_RE.finditer(segment):
        s, e = match.span()
        piece = match.group()
        if not piece.strip():
            continue
        s += len(piece) - len(piece.lstrip())
        e -= len(piece) - len(piece.rstrip())
        spans.append(Span(start + s, start + e))
    return spans


# ------------------------------------------------------------------------- tokens
#: A latin word or a number as one token (folded text: lower case): abc, 2013, 28.78, 5%.
LATIN_WORD = r"[a-z0-9]+(?:[.%][0-9]+)?"
#: A run of Han characters (cut into bigrams) or a latin word / number (kept whole).
TOKEN_RUN_RE = re.compile(rf"[{HAN_TOKEN}]+|{LATIN_WORD}")


def bigram_tokens(folded: str) -> list[str]:
    """Character bigrams of CJK runs (a lone character stays a unigram) plus latin/number words."""
    tokens: list[str] = []
    for match in TOKEN_RUN_RE.finditer(folded):
        run = match.group()
        if run[0].isascii():
            tokens.append(run)
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


# ------------------------------------------------------------------------- question words
def _longest_first(words) -> re.Pattern[str]:
    return re.compile("|".join(sorted(words, key=len, reverse=True)))


#: Folded (Simplified) question words whose bigrams say what is asked, not what about: the
#: words a query's tokens leave out (BM25, the reranker, sentence scoring). 哪/哪一 + a
#: measure word (哪一门, 哪座, 哪一类 …) asks "which"; the noun after it stays.
QUERY_QUESTION_WORDS: tuple[str, ...] = (
    *(f"哪{one}{m}" for one in ("一", "") for m in "个位种门座类项部条家场本份支所届次名首段间组件样批处"),
    "哪一天", "哪一年", "哪一", "哪些", "哪里", "哪儿", "哪年", "哪天", "哪边", "哪方面",
    "什么时候", "什么样", "什么", "甚么", "为什么", "为甚么", "多少", "多久", "多大", "多长", "多高", "多远",
    "几个", "几位", "几种", "几次", "几岁", "几年", "几月", "几日",
    "何时", "何地", "何人", "何年", "何处", "何种", "何者", "为何", "如何", "怎么", "怎样",
    "是谁", "谁是", "谁", "是否", "是不是", "有没有", "吗", "呢",
)
_QUERY_QUESTION_RE = _longest_first(QUERY_QUESTION_WORDS)

#: The question words blanked out before a question's words are lined up with a sentence
#: (``newsqa.qa.spans``): fewer 哪+measure forms than the query's, and 多宽/多重/多深 too.
ALIGN_QUESTION_WORDS: tuple[str, ...] = (
    "哪一天", "哪一年", "哪一个", "哪一位", "哪一种", "哪一", "哪个", "哪些", "哪里", "哪儿", "哪位",
    "哪种", "哪年", "哪", "什么", "甚么", "多少", "几个", "几年", "几月", "几日", "几", "何时", "何地",
    "何人", "何处", "为何", "如何", "怎么", "怎样", "是谁", "谁是", "谁", "是否", "是不是", "有没有", "吗", "呢",
    "多大", "多长", "多高", "多远", "多久", "多重", "多深", "多宽", "为什么", "哪里", "何年", "何种",
)
_ALIGN_QUESTION_RE = _longest_first(ALIGN_QUESTION_WORDS)


def query_tokens(folded_query: str) -> list[str]:
    """Tokens of a folded question with question words removed (falls back to all tokens)."""
    stripped = _QUERY_QUESTION_RE.sub(" ", folded_query)
    tokens = bigram_tokens(stripped)
    return tokens or bigram_tokens(folded_query)


def strip_question_words(folded_question: str) -> str:
    """The folded question with its question words (哪一年, 什么, 多少 …) blanked out."""
    return _ALIGN_QUESTION_RE.sub(" ", folded_question)


# ------------------------------------------------------------------------- characters too common to count
# Each reader kept its own set, fitted or tuned with it; they differ, so each keeps its name.
#: The commonest particles, prepositions and conjunctions (的 了 在 是 和 与 …): every set below
#: holds them. A lone one of them says nothing about which event a name tells (``newsqa.qa.events``).
GRAMMAR_CHARS = frozenset("的了在是和与及于也就都而对把被为从将向")
# ... and the other common function and pointing characters (或 还 但 之 其 这 那 个 有 中 …).
_COMMON_CHARS = GRAMMAR_CHARS | frozenset("或还又但则之其所自到以这那个有中")
#: Too common to show that a passage supports an answer's sentence (``newsqa.qa.citations``):
#: the common characters and 并 等 此 该.
SUPPORT_STOP_CHARS = _COMMON_CHARS | frozenset("并等此该")
#: Too common to say that a sentence matches the question (``newsqa.qa.sentence_scoring``):
#: the common characters and 一 上 下.
MATCH_STOP_CHARS = _COMMON_CHARS | frozenset("一上下")
#: Grammar, not content, for the reranker (``newsqa.qa.rerank``): a question bigram holding
#: one counts for ``function_weight`` of its IDF. The commonest ones and 或 之 其 所 以 由 着 过 并 且 等.
FUNCTION_CHARS = GRAMMAR_CHARS | frozenset("或之其所以由着过并且等")
#: Characters that carry no topic of their own, in both scripts and unfolded: question words,
#: particles, pronouns and the commonest function words (``newsqa.question``: a question
#: needs a few others).
NO_TOPIC_CHARS = frozenset("的了是吗嗎呢吧啊呀么麼谁誰哪何几幾什甚怎请請问問这這那个個和与與也都就在有我你他她它们們")
