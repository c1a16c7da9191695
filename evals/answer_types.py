"""A simple rule for the kind of answer a question asks for (for per-type breakdowns).

Used when the answerer's ``Answer`` carries no ``answer_type`` of its own. The question
is folded to Simplified script and matched against cue words in a fixed order (the
first match wins, so 哪一年 is a date, not a place; 为什么 is a reason, not a thing):

``date`` (何时, 哪一年, 什么时候, 几月 …), ``number`` (多少, 几, 多大, 多长 …),
``person`` (谁, 哪位, 何人 …), ``place`` (哪里, 何处, 哪个国家 …), ``reason`` (为什么,
为何, 原因), ``method`` (如何, 怎么, 怎样), ``entity`` (什么, 哪, 何), else ``other``.

Example::

    classify_question("上海自貿區是哪一天掛牌的？")   # 'date'
"""

from __future__ import annotations

import re

from newsqa.script import fold

ANSWER_TYPES: tuple[str, ...] = ("date", "number", "person", "place", "reason", "method", "entity", "other")

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("reason", re.compile(r"为什么|为何|什么原因|哪一?个?原因|原因是|何故|缘何")),
    ("date", re.compile(
        r"何时|何年|何日|何月|哪一?年|哪一?天|哪一?日|哪个?月|哪个?时[期代候间]|哪个?年代|哪个?世纪|"
        r"什么时[候间期代]|什么年代|几月|几日|几号|几点|日期|年份|时间点|何时期|哪一朝|哪个朝代"
    )),
    ("number", re.compile(r"多少|几|多大|多长|多高|多远|多久|多重|多深|多宽|多快|多老|比例|百分之|占比|数量|人数|面积")),
    ("person", re.compile(r"谁|哪一?位|哪些人|何人|哪个人|什么人|哪一个人|哪名|哪一名")),
    ("place", re.compile(
        r"哪里|哪儿|何处|何地|哪个?地[方区点]|哪一?个?国家?|哪一?座?城市?|哪一?个?省|哪一?个?州|"
        r"哪一?个?县|哪一?个?岛|哪一?个?洲|哪一?个?区域?|哪一?个?城镇|什么地方|位于何|在哪"
    )),
    ("method", re.compile(r"如何|怎么|怎样|怎麼|用什么方[法式]|透过什么|通过什么")),
    ("entity", re.compile(r"什么|甚么|啥|哪|何")),
)


def classify_question(question: str) -> str:
    """The answer type a question asks for (one of ``ANSWER_TYPES``)."""
    folded = fold(question or "")
    for name, pattern in _RULES:
        if pattern.search(folded):
            return name
    return "other"
