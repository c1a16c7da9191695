"""One gate in front of every way a question comes in: CLI, ``/ask``, the chat, evals.

``validate_question`` turns whatever arrived (a ``str``, raw ``bytes`` from stdin or a
GBK/Big5 terminal, a string holding lone surrogates) into clean text, or raises
``QuestionError`` with a message for the user, in the question's script, that says what
to do. Nothing below this gate has to cope with undecodable bytes, control characters or
surrogates (the tokenizers refuse them), and a question with too little in it to answer
(「上」, 「的」, 「？」) is refused instead of getting a confident, unrelated answer.

Example::

    >>> validate_question("  上海自貿區是哪一天掛牌的？\\x00 ")
    '上海自貿區是哪一天掛牌的？'
    >>> validate_question("上".encode("gbk") + "海自贸区".encode("gbk"))
    '上海自贸区'
    >>> validate_question("的？")
    Traceback (most recent call last):
    ...
    newsqa.question.QuestionError: 問題太短，看不出要問什麼：請寫出要問的人、事、地點或時間，例如「某某颱風是哪一天登陸的？」
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from newsqa.chinese import chinese_score
from newsqa.script import Script, detect_script
from newsqa.text import NO_TOPIC_CHARS

MAX_QUESTION_CHARS = 500
MIN_CONTENT_CHARS = 2

RefusalKind = Literal["empty", "too_long", "too_short", "not_text"]

_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # how Python keeps undecodable argv/stdin bytes
_SPACES = re.compile(r"\s+")

_MESSAGES: dict[RefusalKind, dict[Script, str]] = {
    "empty": {"hant": "請輸入問題。", "hans": "请输入问题。"},
    "too_long": {
        "hant": "問題太長：{n} 個字，最多 {limit} 個字。請縮短後再問。",
        "hans": "问题太长：{n} 个字，最多 {limit} 个字。请缩短后再问。",
    },
    "too_short": {
        "hant": "問題太短，看不出要問什麼：請寫出要問的人、事、地點或時間，例如「某某颱風是哪一天登陸的？」",
        "hans": "问题太短，看不出要问什么：请写出要问的人、事、地点或时间，例如「某某台风是哪一天登陆的？」",
    },
    "not_text": {
        "hant": "問題不是可讀的文字（無法辨識它的編碼）：請以 UTF-8 輸入後再試。",
        "hans": "问题不是可读的文字（无法识别它的编码）：请以 UTF-8 输入后再试。",
    },
}


class QuestionError(ValueError):
    """A question that cannot be asked; ``str(error)`` is the message for the user and
    ``kind`` says why (empty, too_long, too_short, not_text)."""

    def __init__(self, kind: RefusalKind, script: Script = "hant", **values: int):
        self.kind = kind
        super().__init__(_MESSAGES[kind][script].format(**values))


def decode_question_bytes(data: bytes) -> str:
    """Text from the bytes of a question: UTF-8 (with or without BOM), UTF-16 with a BOM,
    else GB18030 or Big5, whichever reads as more common Chinese. ``QuestionError`` if none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise QuestionError("not_text") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    readings = []
    for encoding in ("gb18030", "big5"):
        try:
            readings.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    if not readings:
        raise QuestionError("not_text")
    best = max(readings, key=lambda text: chinese_score(text)[0])
    if chinese_score(best)[0] < 0.5:  # bytes that happen to decode, but to no language
        raise QuestionError("not_text")
    return best


def _recover_escaped_bytes(text: str) -> str:
    """A string from argv or stdin holds undecodable bytes as U+DC80..U+DCFF: decode them again."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates: not something any encoding produces
        raise QuestionError("not_text") from None
    return decode_question_bytes(data)


def clean_question(question: str | bytes | None) -> str:
    """The question as text with control and format characters removed and white space
    collapsed; raises ``QuestionError`` for bytes or surrogates that are not text."""
    if question is None:
        return ""
    if isinstance(question, (bytes, bytearray)):
        question = decode_question_bytes(bytes(question))
    elif not isinstance(question, str):
        question = str(question)
    if _ESCAPED_BYTE.search(question):
        question = _recover_escaped_bytes(question)
    kept = []
    for char in question:
        category = unicodedata.category(char)
        if category == "Cs":
            raise QuestionError("not_text")
        if category == "Cc":
            kept.append(" ")  # a tab or newline separates words; other controls go
        elif category != "Cf":  # zero-width spaces, BOMs, direction marks
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


def content_chars(question: str) -> int:
    """How many characters of ``question`` can name a topic: letters, digits and Chinese
    characters other than question words and function words."""
    return sum(1 for c in question if c.isalnum() and c not in NO_TOPIC_CHARS)


def validate_question(question: str | bytes | None) -> str:
    """The cleaned question, or ``QuestionError`` when it is empty, longer than
    ``MAX_QUESTION_CHARS``, not text, or has too little content to answer."""
    text = clean_question(question)
    if not text:
        raise QuestionError("empty")
    script = detect_script(text)
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError("too_long", script, n=len(text), limit=MAX_QUESTION_CHARS)
    if content_chars(text) < MIN_CONTENT_CHARS:
        raise QuestionError("too_short", script)
    return text
