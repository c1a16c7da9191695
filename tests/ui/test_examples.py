"""``newsqa.ui.examples``: the chat's example questions follow what the index holds."""

from __future__ import annotations

from newsqa.types import Document
from newsqa.ui.examples import DEFAULT_EXAMPLES, example_questions, indexed_files
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
    assert example_questions(_Core(Document("other.txt", "別的新聞", "…")), None) == []
    assert example_questions(None, None) == []


def test_given_examples_win() -> None:
    assert example_questions(None, ["甲？", "", "乙？"]) == ["甲？", "乙？"]
    assert example_questions(_Core(), []) == []
