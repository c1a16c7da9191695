"""Questions anchored on another event's day (「X当天，…？」): the anchor is dated, the question
proper is answered from that day's articles, and an undated anchor is said, not guessed."""

from __future__ import annotations

import datetime as dt

import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.qa.bridge import AnchoredQuestion, within_both
from newsqa.qa.pipeline import NewsQA
from newsqa.timex import DateRange, TimeSpan
from newsqa.types import Document


def _doc(name: str, date: str, text: str) -> Document:
    return Document(doc_id=name, title=text.split("，")[1][:20], text=text, date=date, source_file=name)


# Two warnings of heavy rain from two cities on two days; the landing on Mars on the first day.
DOCS = [
    _doc("landing.txt", "2021-05-15", "2021年5月15日，天问一号着陆巡视器成功着陆于火星乌托邦平原南部预选着陆区，我国首次火星探测任务着陆火星取得圆满成功。"),
    _doc("rain-a.txt", "2021-05-15", "2021年5月15日，武汉市气象台发布暴雨橙色预警，预计未来六小时内降雨量将达五十毫米以上。"),
    _doc("rain-b.txt", "2021-06-02", "2021年6月2日，广州市气象台发布暴雨橙色预警，预计未来六小时内降雨量将达五十毫米以上。"),
    _doc("port.txt", "2021-06-02", "2021年6月2日，宁波舟山港集装箱吞吐量再创新高，单日作业量突破十万标准箱。"),
    # a story without a date of its own that tells the first day
    Document(doc_id="night-market.txt", title="江滩夜市开市", text="江滩夜市于2021年5月15日晚开市，首晚吸引游客三万人次。",
             date=None, source_file="night-market.txt"),
]


@pytest.fixture(scope="module")
def qa(e5_model_dir, tmp_path_factory):
    settings = Settings.load(embedding_model=str(e5_model_dir))
    embedder, chunker = build_components(settings)
    index = NewsIndex.create(tmp_path_factory.mktemp("bridge") / "index", embedder, chunker)
    index.upsert(DOCS, show_progress=False)
    return NewsQA(settings, index)


def test_reads_the_anchor_the_period_and_the_question_proper():
    asked = AnchoredQuestion.read("神舟十三号成功返回当天，江苏省新增了多少本土确诊病例？")
    assert (asked.anchor, asked.grain, asked.rest) == ("神舟十三号成功返回", "day", "江苏省新增了多少本土确诊病例？")
    assert AnchoredQuestion.read("我國全面實現不動產統一登記當年，諾貝爾醫學獎歸誰所獲？").grain == "year"
    assert AnchoredQuestion.read("上海自貿區是哪一天掛牌的？") is None
    # 当年 inside a sentence, or after what is asked, anchors nothing (CMRC, DRCD)
    assert AnchoredQuestion.read("1990年，约翰逊率队击败了哪个教练执教的杜克大学，夺得了当年NCAA冠军？") is None
    assert AnchoredQuestion.read("戚务生当年以什么特点著称？") is None
    assert AnchoredQuestion.read("艾里森创作的哪一集当年，赢得了美国编剧工会奖？") is None
    # quotes and commas inside the anchor are the event's own
    assert AnchoredQuestion.read("“红通人员”周权回国投案当天，郑钦文赢了谁？").anchor == "“红通人员”周权回国投案"
    assert AnchoredQuestion.read("世界水日，小麦返青和春浇关键期当天，保险资金买了什么？").anchor == "世界水日，小麦返青和春浇关键期"


def test_the_period_is_the_anchor_s_day_month_or_year():
    day = dt.date(2021, 5, 15)
    span = TimeSpan(day, day, "day", "", False)
    read = AnchoredQuestion.read
    assert read("甲事件发生当天，乙做了什么？").period(span) == DateRange.parse("2021-05-15", "2021-05-15")
    assert read("甲事件发生当月，乙做了什么？").period(span) == DateRange.parse("2021-05-01", "2021-05-31")
    assert read("甲事件发生当年，乙做了什么？").period(span) == DateRange.parse("2021-01-01", "2021-12-31")
    month = TimeSpan(dt.date(2021, 5, 1), dt.date(2021, 5, 31), "month", "", False)
    assert not read("甲事件发生当天，乙做了什么？").fine_enough(month)  # a month is no 当天


def test_ranges_overlap_or_not():
    range_2021 = DateRange.parse("2021-01-01", "2021-12-31")
    assert within_both(None, range_2021) == range_2021
    assert within_both(DateRange.parse("2021-06-01", None), range_2021) == DateRange.parse("2021-06-01", "2021-12-31")
    assert within_both(DateRange.parse("2022-01-01", None), range_2021) is None


def test_the_question_is_answered_from_the_anchor_s_day(qa):
    answer = qa.ask("天问一号着陆火星当天，哪个城市的气象台发布了暴雨橙色预警？")
    assert not answer.abstained
    assert answer.answer.startswith("天问一号着陆火星在2021年5月15日[1]。当天：")
    assert "武汉" in answer.answer and "广州" not in answer.answer
    assert [c.doc_id for c in answer.citations] == ["landing.txt", "rain-a.txt"]


def test_traditional_question_traditional_answer(qa):
    answer = qa.ask("天問一號著陸火星當天，哪個城市的氣象台發布了暴雨橙色預警？")
    assert answer.script == "hant"
    assert answer.answer.startswith("天問一號著陸火星在2021年5月15日[1]。當天：")
    assert "武漢" in answer.answer


def test_an_anchor_no_article_dates_is_said_and_any_day_is_marked(qa):
    answer = qa.ask("嫦娥七号登陆月球背面当天，宁波舟山港单日作业量突破多少？")
    assert answer.answer.startswith("在资料中找不到「嫦娥七号登陆月球背面」的日期")
    assert "不限日期的话" in answer.answer  # what the archive has, marked as not pinned to that day
    assert "[1]" in answer.answer and answer.citations[0].doc_id == "port.txt"


def test_a_day_whose_articles_do_not_answer_falls_back_to_any_day_marked(qa):
    # 天问一号's day has a rain warning but no port figure: the port's day is offered, marked
    answer = qa.ask("天问一号着陆火星当天，宁波舟山港单日作业量突破多少标准箱？")
    assert answer.answer.startswith("天问一号着陆火星在2021年5月15日[1]。")
    assert "不限日期的话" in answer.answer and "十万" in answer.answer
    assert [c.doc_id for c in answer.citations] == ["landing.txt", "port.txt"]


def test_an_undated_story_that_tells_the_anchor_s_day_answers_for_it(qa):
    # the day's search is limited by story dates; the undated story that states the day still counts
    answer = qa.ask("天问一号着陆火星当天，江滩夜市首晚吸引了多少游客？")
    assert answer.answer.startswith("天问一号着陆火星在2021年5月15日[1]。当天：")
    assert "三万人次" in answer.answer and "不限日期" not in answer.answer
    assert [c.doc_id for c in answer.citations] == ["landing.txt", "night-market.txt"]


def test_a_quote_that_states_another_day_is_not_the_anchor_s_day():
    from newsqa.qa.bridge import answers_the_question
    from newsqa.types import Answer, Citation

    asked = AnchoredQuestion.read("泰国仓库爆炸当天，成都大运会有什么新闻？")
    day = DateRange.parse("2023-07-29", "2023-07-29")

    def quoting(text: str) -> Answer:
        cited = Citation(n=1, doc_id="d", title="成都大运会新闻", date="2023-07-29", source=None, text=text,
                         start=0, end=len(text), score=1.0, highlight_start=0, highlight_end=len(text))
        return Answer(question=asked.rest, answer=text + "[1]", abstained=False, citations=[cited])

    assert not answers_the_question(asked, quoting("7月28日晚，成都大运会开幕式上的灯组正式亮灯。"), day)
    assert answers_the_question(asked, quoting("成都大运会的灯组正式亮灯。"), day)  # states no day: the story's
    assert answers_the_question(asked, quoting("29日，成都大运会的灯组正式亮灯。"), day)


def test_the_anchor_s_sentence_quoted_again_keeps_its_number():
    from newsqa.qa.bridge import anchored_answer
    from newsqa.qa.events import event_date
    from newsqa.types import Answer, Chunk, RetrievedChunk

    text = "2023年7月27日，台风杜苏芮逼近东南沿海，中央气象台发布台风红色预警。"
    document = Document(doc_id="d.txt", title="杜苏芮", text=text, date="2023-07-27", source_file="d.txt")
    hit = RetrievedChunk(chunk=Chunk(chunk_id="d.txt#0", doc_id="d.txt", ordinal=0, text=text, start=0, end=len(text),
                                     embed_text=text), document=document, score=1.0)
    asked = AnchoredQuestion.read("台风杜苏芮逼近东南沿海当天，中央气象台发布了什么预警？")
    anchor = event_date(asked.anchor, hit)
    same = hit.citation(1, anchor.start, anchor.end)
    on_the_day = Answer(question=asked.rest, answer="中央气象台发布台风红色预警。[1]", abstained=False, citations=[same])
    answer = anchored_answer(asked, anchor, on_the_day)
    assert answer.answer.endswith("当天：中央气象台发布台风红色预警。[1]") and len(answer.citations) == 1
