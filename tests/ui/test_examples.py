"""``newsqa.ui.examples``: the chat's example questions follow what the index holds."""

from __future__ import annotations

from newsqa.types import Document
from newsqa.ui.layout import _placeholder
from newsqa.ui.examples import DEFAULT_EXAMPLES, example_questions, headline_examples, indexed_files
from newsqa.ui.live import QACore

SEED_ARTICLE = "000_8cf7c1ad8f2038b8.txt"


class _Core(QACore):
    def __init__(self, *docs: Document):
        self._docs = list(docs)

    def documents(self) -> list[Document]:
        return self._docs


def test_seed_questions_only_when_the_seed_article_is_indexed() -> None:
    seed = _Core(Document(f"{SEED_ARTICLE}#3", "上海自貿區", "…", source_file=f"data/articles/{SEED_ARTICLE}"))
    assert indexed_files(seed) == {SEED_ARTICLE}
    shown = example_questions(seed, None)
    assert shown[:2] == list(DEFAULT_EXAMPLES) and len(shown) == 4 and len(set(shown)) == 4
    assert example_questions(_Core(Document("other.txt", "別的新聞", "…")), None) == []  # no date: no example
    assert example_questions(None, None) == []


def test_given_examples_win() -> None:
    assert example_questions(None, ["甲？", "", "乙？"]) == ["甲？", "乙？"]
    assert example_questions(_Core(), []) == []


def test_an_archive_of_your_own_suggests_questions_from_its_newest_headlines() -> None:
    own = _Core(
        Document("a.txt", "贵州一客栈发生火灾致9人遇难 当地启动调查", "…", date="2023-08-18"),
        Document("b.txt", "杜蘇芮登陸福建晉江沿海", "…", date="2023-07-28"),
        Document("c.txt", "酒店和客人一般会涉及什么典型纠纷", "…", date="2023-08-19"),  # asks itself
        Document("d.txt", "8月18日复洁环保现大宗交易", "…", date="2023-08-20"),  # names its own day
        Document("e.txt", "云南泸水：警犬训练", "…", date="2023-08-21"),  # too short once cut
        Document("f.txt", "没有日期的新闻标题也很长", "…"),
        Document("g.txt", "北海不明生物咬人事件调查组成立", "…", date="2023-08-01"),
    )
    assert example_questions(own, None) == [
        "贵州一客栈发生火灾致9人遇难是什么时候的事？",  # newest first, cut at the space
        "北海不明生物咬人事件调查组成立是什么时候的事？",
        "杜蘇芮登陸福建晉江沿海是什麼時候的事？",  # in the headline's script
    ]
    assert headline_examples(own.documents(), limit=1) == ["贵州一客栈发生火灾致9人遇难是什么时候的事？"]


def test_the_empty_chat_hint_names_an_example_of_this_archive_or_none() -> None:
    assert "贵州一客栈" in _placeholder(["贵州一客栈发生火灾致9人遇难是什么时候的事？"])
    assert "上海" not in _placeholder([]) and "例如" not in _placeholder([])
