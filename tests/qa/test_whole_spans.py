"""Answer spans quote whole words: never inside a number, a latin word or a bracket pair,
never ending on a comma (hand-made sentences modelled on real news, and random cuts)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from newsqa.qa.spans import _CLOSERS, _OPENERS, whole_span

QUAKE = "2023年8月6日2时33分在山东省德州市平原县发生5.5级地震(北纬37.16゜，东经116.34゜)，震源深度10公里。"
LAMPS = "由自贡国投集团彩灯文化传播运营有限公司为成都大运会设计制作的“韵律青春”“奋勇向前”等7组灯组，在开幕式上正式亮灯。"
INSURE = "沪惠保的投保期截至7月31日24时，本着“普惠为民”的初衷，理赔服务将持续优化。"
SENTENCES = [QUAKE, LAMPS, INSURE, "詹娜 D'Art在2023年的营收增长了14.8%，约合1.2亿美元（折合人民币8.6亿元）。",
             "《彩灯映大运 成都耀世界——大运会彩灯灯饰方案》于今年6月最终完成。"]


@pytest.mark.parametrize(
    "text, start_at, end_at, expected",
    [
        (QUAKE, "东省", "，东经", "山东省德州市平原县发生5.5级地震(北纬37.16゜，东经116.34゜)"),
        (LAMPS, "律青春", "，在开幕", "“韵律青春”“奋勇向前”等7组灯组"),
        (INSURE, "本着", "，理赔", "本着“普惠为民”的初衷"),
        (SENTENCES[3], "4.8%", "，约合", "14.8%"),
    ],
)
def test_cut_words_numbers_and_brackets_are_made_whole(text, start_at, end_at, expected):
    s, e = whole_span(text, text.index(start_at), text.index(end_at) + 1)
    assert text[s:e] == expected


def _balanced(piece: str) -> bool:
    stack = []
    for c in piece:
        if c in _OPENERS and not (c in _CLOSERS and stack and stack[-1] == _CLOSERS[c]):
            stack.append(c)
        elif c in _CLOSERS:
            if not stack or stack[-1] != _CLOSERS[c]:
                return False
            stack.pop()
    return not stack


def _digit_or_latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.sampled_from(SENTENCES), st.data())
def test_random_cuts_come_out_whole(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assume(any(c.isalnum() for c in text[start:end]))  # an answer span holds words
    s, e = whole_span(text, start, end)
    piece = text[s:e]
    assert piece
    if s > 0:
        assert not (_digit_or_latin(text[s - 1]) and _digit_or_latin(text[s]))
    if e < len(text):
        assert not (_digit_or_latin(text[e - 1]) and _digit_or_latin(text[e]))
    assert piece[-1] not in "，,、；;：:" and piece[0] not in "，,。、；;：:"
    if s < e and (s, e) != (start, end):
        assert _balanced(piece), piece
