"""Questions that ask two things at once: the reader on hand-made questions in both scripts,
the joining of the parts' answers, and the whole path over the small real index."""

from __future__ import annotations

import pytest

from newsqa.config import Settings
from newsqa.qa.parts import PartsQuestion, join_parts
from newsqa.qa.pipeline import NewsQA
from newsqa.types import Answer, Citation


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("2024年4月，小米汽车和吕孟洋分别有什么重要事件？",
         ("2024年4月，小米汽车有什么重要事件？", "2024年4月，吕孟洋有什么重要事件？")),
        ("2024年4月，小米汽車和呂孟洋分別有什麼重要事件？",
         ("2024年4月，小米汽車有什麼重要事件？", "2024年4月，呂孟洋有什麼重要事件？")),
        # what the first item opens with, and what the last closes with, belong to all
        ("2018年中央企业的营业收入和利润总额分别是多少？",
         ("2018年中央企业的营业收入是多少？", "2018年中央企业的利润总额是多少？")),
        ("2023年湖南省和印度喀拉拉邦分别发生了什么重要事件？",
         ("2023年湖南省发生了什么重要事件？", "2023年印度喀拉拉邦发生了什么重要事件？")),
        ("曼城和阿森纳以及曼联和西汉姆联在2022年1月的比赛比分分别是多少？",
         ("曼城和阿森纳在2022年1月的比赛比分是多少？", "曼联和西汉姆联在2022年1月的比赛比分是多少？")),
        # a list of times, and a list of times paired with a list of subjects
        ("A股市场在2020年11月和2021年6月的表现分别如何？",
         ("A股市场在2020年11月的表现如何？", "A股市场在2021年6月的表现如何？")),
        ("2023年3月和7月，习近平总书记和林春菊分别参与了哪些重要活动？",
         ("2023年3月，习近平总书记参与了哪些重要活动？", "2023年7月，林春菊参与了哪些重要活动？")),
        # two questions in one; the scene the first sets carries over
        ("2023年8月21日，证监会发布了什么重要信息，以及毛伊岛火灾失联人数是多少？",
         ("2023年8月21日，证监会发布了什么重要信息？", "2023年8月21日，毛伊岛火灾失联人数是多少？")),
        ("2019年第三季度高通预计营业收入下降多少，且2019年9月24日广东省人大常委会审议了什么草案？",
         ("2019年第三季度高通预计营业收入下降多少？", "2019年9月24日广东省人大常委会审议了什么草案？")),
    ],
)
def test_reads_the_parts(question, parts):
    asked = PartsQuestion.read(question)
    assert asked is not None
    assert asked.parts == parts


@pytest.mark.parametrize(
    "question",
    [
        "嫦娥五号是什么时候发射的？",
        "上海地铁和台北捷运哪个先开通？",  # one question about two things: events, not parts
        "中华人民共和国和平共处五项原则是什么？",  # 和 inside words
        "净利润是多少，同比增长？",  # the second clause asks nothing
    ],
)
def test_a_question_asking_one_thing_is_not_split(question):
    assert PartsQuestion.read(question) is None


def _citation(n: int, doc_id: str, start: int = 0) -> Citation:
    return Citation(n=n, doc_id=doc_id, title=doc_id, date=None, source=None, text="…", start=start, end=start + 1,
                    score=1.0)


def test_join_renumbers_citations_and_cites_a_shared_passage_once():
    asked = PartsQuestion("A和B分别是多少？", ("A是多少？", "B是多少？"))
    first = Answer("A是多少？", "甲是三[1]，乙是四[2]。", False, [_citation(1, "x"), _citation(2, "y")], script="hans")
    second = Answer("B是多少？", "丙是五[1]，丁是六[2]", False, [_citation(1, "y"), _citation(2, "z")], script="hans")
    joined = join_parts(asked, [first, second])
    assert joined.answer == "甲是三[1]，乙是四[2]。\n丙是五[2]，丁是六[3]"
    assert [(c.n, c.doc_id) for c in joined.citations] == [(1, "x"), (2, "y"), (3, "z")]
    assert not joined.abstained


def test_join_names_the_part_without_an_answer_and_abstains_only_when_all_do():
    asked = PartsQuestion("A和B分別是多少？", ("A是多少？", "B是多少？"))
    found = Answer("A是多少？", "甲是三[1]。", False, [_citation(1, "x")], script="hant")
    missing = Answer("B是多少？", "資料中沒有相關內容。", True, [], script="hant")
    joined = join_parts(asked, [found, missing])
    assert joined.answer == "甲是三[1]。\nB是多少：資料中沒有相關內容。"
    assert not joined.abstained
    nothing = join_parts(asked, [missing, missing])
    assert nothing.abstained and nothing.answer == "資料中沒有相關內容。" and not nothing.citations


@pytest.fixture(scope="module")
def qa(small_news_index, e5_model_dir):
    return NewsQA(Settings.load(embedding_model=str(e5_model_dir)), small_news_index)


@pytest.mark.parametrize(
    ("question", "script"),
    [("三峡电站的总装机容量和上海地铁的运营里程分别是多少？", "hans"),
     ("三峽電站的總裝機容量和上海地鐵的運營里程分別是多少？", "hant")],
)
def test_each_part_is_answered_and_cited_in_the_askers_script(qa, question, script):
    answer = qa.ask(question)
    assert not answer.abstained and answer.script == script
    assert "2250万千瓦" in answer.answer.replace("萬", "万") and "831公里" in answer.answer
    cited = {c.doc_id for c in answer.citations}
    assert cited == {"three-gorges.txt", "shanghai-metro.txt"}
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations)
    if script == "hant":  # the passages are Simplified; the answer is not
        assert "运营" not in answer.answer and "电站" not in answer.answer


def test_a_sentence_that_answers_every_part_is_quoted_once():
    asked = PartsQuestion("東德和西德在哪一年分別建國？", ("東德在哪一年建國？", "西德在哪一年建國？"))
    same = Answer("…", "1949年，東德和西德分別建國。[1]", False, [_citation(1, "de")], script="hant")
    joined = join_parts(asked, [same, same])
    assert joined.answer == "1949年，東德和西德分別建國。[1]" and len(joined.citations) == 1


def test_er_bu_shi_is_no_second_question():
    assert PartsQuestion.read("存在主義者認為要評價一個人，要評價他的什麼，而不是評價他是個什麼人物？") is None
