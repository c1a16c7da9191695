"""Time in retrieval: the period a question names is preferred (softly), a date range filters
(hard), and a question that names no time is retrieved exactly as before."""

from __future__ import annotations

import datetime as dt

import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.qa.langchain_retriever import NewsRetriever
from newsqa.qa.periods import IN_PERIOD, OTHER_YEAR, TimeQuery, period_fit
from newsqa.qa.pipeline import NewsQA
from newsqa.qa.retriever import TIME_RERANK_WEIGHT, HybridRetriever
from newsqa.timex import DateRange, find_times
from newsqa.types import Answer, Document

AS_OF = dt.date(2024, 11, 12)

# The same yearly race reported four times; as in ChronoQA the dateline went into the
# article's date, so the text does not say the year.
WINNERS = {2021: "林志强", 2022: "王海涛", 2023: "陈建华", 2024: "赵明远"}
RACE_DAYS = {2021: "2021-04-18", 2022: "2022-04-17", 2023: "2023-04-16", 2024: "2024-04-21"}


def _race(year: int) -> Document:
    text = (f"滨江城市马拉松今天鸣枪开跑，来自二十多个国家的三万名选手参赛。男子全程冠军由{WINNERS[year]}获得，"
            "女子全程冠军由一名肯尼亚选手获得。组委会表示，赛道沿江设置，补给站和医疗点比往届更多。")
    return Document(doc_id=f"race-{year}.txt", title="滨江城市马拉松鸣枪开跑", text=text, date=RACE_DAYS[year],
                    source_file=f"race-{year}.txt")


def _others() -> list[Document]:
    return [
        Document(doc_id="port.txt", title="港口货物吞吐量增长", date="2023-06-01", source_file="port.txt",
                 text="今年前五个月，港口货物吞吐量同比增长百分之八，集装箱吞吐量创同期新高。"),
        Document(doc_id="undated-race.txt", title="城市马拉松报名须知", date=None, source_file="undated-race.txt",
                 text="滨江城市马拉松的报名通过官方网站进行，选手需提交体检证明，男子全程和女子全程名额各一万。"),
    ]


@pytest.fixture(scope="module")
def race_qa(e5_model_dir, tmp_path_factory):
    settings = Settings.load(embedding_model=str(e5_model_dir))
    embedder, chunker = build_components(settings)
    index = NewsIndex.create(tmp_path_factory.mktemp("races") / "index", embedder, chunker)
    index.upsert([_race(year) for year in WINNERS] + _others(), show_progress=False)
    return NewsQA(settings, index)


# ---------------------------------------------------------------------------- the fit


def test_period_fit_by_article_date_and_by_text():
    periods = find_times("去年9月哪个飓风袭击了利比亚？", AS_OF)
    assert period_fit(periods, "2023-09-11") == IN_PERIOD
    assert period_fit(periods, "2023-03-01") == 0.0  # the right year, another month: neither
    assert period_fit(periods, "2021-09-11") == OTHER_YEAR
    assert period_fit(periods, None) == 0.0  # undated: nothing known
    # the text states a date of the period: in it, whatever the article's date
    assert period_fit(periods, "2024-01-05", "2023年9月10日，风暴丹尼尔登陆利比亚东部。") == IN_PERIOD
    # 「去年9月」 in a passage is read against its article's date
    assert period_fit(periods, "2024-02-01", "去年9月，风暴丹尼尔登陆利比亚东部。") == IN_PERIOD
    assert period_fit(periods, "2025-02-01", "去年9月，风暴登陆。") == OTHER_YEAR
    # a coarser date in the text is no evidence for a finer period
    assert period_fit(periods, "2021-09-11", "2023年，风暴丹尼尔登陆利比亚东部。") == OTHER_YEAR
    assert period_fit(periods, None, "2023年，风暴丹尼尔登陆利比亚东部。") == 0.0
    assert period_fit([], "2023-09-11") == 0.0


def test_time_query():
    when = TimeQuery.read("去年的冠军是谁？", "2024-11-12")
    assert when.as_of == AS_OF and [p.text for p in when.periods] == ["去年"] and when.within is None
    assert TimeQuery.read("冠军是谁？", None).as_of == dt.date.today()
    assert TimeQuery.read("冠军是谁？", AS_OF).untouched
    assert TimeQuery.read("冠军是谁？", AS_OF, DateRange()).untouched  # an open range is no filter
    assert not TimeQuery.read("冠军是谁？", AS_OF, DateRange(since=AS_OF)).untouched


# ---------------------------------------------------------------------------- soft preference


@pytest.mark.parametrize(
    ("question", "as_of", "year"),
    [
        ("去年滨江城市马拉松的男子全程冠军是谁？", AS_OF, 2023),
        ("去年滨江城市马拉松的男子全程冠军是谁？", dt.date(2022, 5, 1), 2021),
        ("前年滨江城市马拉松的男子全程冠军是谁？", AS_OF, 2022),
        ("2022年滨江城市马拉松的男子全程冠军是谁？", AS_OF, 2022),
        ("今年4月滨江城市马拉松的男子全程冠军是谁？", AS_OF, 2024),
        ("三年前滨江城市马拉松的男子全程冠军是誰？", AS_OF, 2021),
        ("去年濱江城市馬拉松的男子全程冠軍是誰？", AS_OF, 2023),
    ],
)
def test_the_article_of_the_period_asked_comes_first(race_qa, question, as_of, year):
    hits = race_qa.retriever.run(question, k=6, as_of=as_of)
    assert hits[0].document.doc_id == f"race-{year}.txt"
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


class _Quoting:
    """An answerer that quotes the first passage: the tests here are about what is retrieved."""

    def run(self, question, retrieved, **_):
        first = retrieved[0]
        return Answer(question=question, answer=first.chunk.text, abstained=False, citations=[first.citation(1)])


def test_ask_threads_as_of_and_the_range_to_the_retriever(race_qa):
    qa = NewsQA(race_qa.settings, race_qa.index)
    qa.answerer = _Quoting()
    question = "去年滨江城市马拉松的男子全程冠军是谁？"
    assert qa.ask(question, as_of=AS_OF).citations[0].doc_id == "race-2023.txt"
    assert qa.ask(question, as_of=dt.date(2022, 5, 1)).citations[0].doc_id == "race-2021.txt"
    within = DateRange.parse("2024-01-01", None)
    answer = qa.ask(question, as_of=AS_OF, within=within)
    assert {h.document.doc_id for h in answer.retrieved} == {"race-2024.txt"}
    streamed = list(qa.ask_stream(question, as_of=dt.date(2022, 5, 1)))
    assert streamed[-1].citations[0].doc_id == "race-2021.txt"


def test_the_preference_is_soft_other_years_stay(race_qa):
    hits = race_qa.retriever.run("去年滨江城市马拉松的男子全程冠军是谁？", k=6, as_of=AS_OF)
    assert {h.document.doc_id for h in hits} >= {f"race-{year}.txt" for year in WINNERS}
    # a year the archive does not hold: the races are all still returned, none is dropped
    far = race_qa.retriever.run("2015年滨江城市马拉松的男子全程冠军是谁？", k=6, as_of=AS_OF)
    assert {f"race-{year}.txt" for year in WINNERS} <= {h.document.doc_id for h in far}


def test_the_rerank_score_carried_is_the_one_before_the_period_preference(race_qa):
    """Abstention reads ``rerank_score``: how well the passage matches the question, not the
    bonus its date earned in the ranking."""
    hits = race_qa.retriever.run("去年滨江城市马拉松的男子全程冠军是谁？", k=6, as_of=AS_OF)
    moved = {round(h.score - h.rerank_score, 9) for h in hits}
    assert TIME_RERANK_WEIGHT in moved  # the 2023 race's
    assert moved <= {TIME_RERANK_WEIGHT * fit for fit in (IN_PERIOD, 0.0, OTHER_YEAR)}


@pytest.mark.parametrize("question", ["滨江城市马拉松的男子全程冠军是谁？", "港口货物吞吐量增长了多少？", "马拉松报名要提交什么？"])
def test_a_question_without_time_is_untouched(race_qa, question):
    index = race_qa.index
    plain = HybridRetriever(index, time_weight=0.0).run(question, k=6)
    for retriever, as_of in ((HybridRetriever(index), None), (HybridRetriever(index), AS_OF),
                             (HybridRetriever(index, time_weight=5.0), dt.date(2021, 4, 20))):
        hits = retriever.run(question, k=6, as_of=as_of)
        assert [(h.chunk.chunk_id, h.score) for h in hits] == [(h.chunk.chunk_id, h.score) for h in plain]


def test_time_weight_zero_turns_the_preference_off(race_qa):
    question = "前年滨江城市马拉松的男子全程冠军是谁？"
    off = HybridRetriever(race_qa.index, time_weight=0.0).run(question, k=6, as_of=AS_OF)
    on = HybridRetriever(race_qa.index).run(question, k=6, as_of=AS_OF)
    assert on[0].document.doc_id == "race-2022.txt"
    assert [h.score for h in off] != [h.score for h in on]


# ---------------------------------------------------------------------------- hard range


def test_a_date_range_keeps_only_articles_dated_in_it(race_qa):
    within = DateRange.parse("2022-01-01", "2022-12-31")
    hits = race_qa.retriever.run("滨江城市马拉松的男子全程冠军是谁？", k=5, within=within)
    assert [h.document.doc_id for h in hits] == ["race-2022.txt"]  # one passage: nothing else is in range
    since = race_qa.retriever.run("滨江城市马拉松的男子全程冠军是谁？", k=6, within=DateRange.parse("2023-01-01", None))
    assert {h.document.doc_id for h in since} == {"race-2023.txt", "race-2024.txt", "port.txt"}


def test_a_date_range_searches_deeper_when_the_first_candidates_are_outside_it(race_qa):
    shallow = HybridRetriever(race_qa.index, depth=1, bm25_depth=1)
    question = "滨江城市马拉松的男子全程冠军是谁？"
    assert shallow.run(question, k=1)[0].document.doc_id != "port.txt"
    hits = shallow.run(question, k=1, within=DateRange.parse("2023-06-01", "2023-06-01"))
    assert [h.document.doc_id for h in hits] == ["port.txt"]
    assert hits[0].dense_rank in (1, None) and hits[0].bm25_rank in (1, None)  # ranked among the kept


def test_an_empty_range_returns_nothing(race_qa):
    assert race_qa.retriever.run("滨江城市马拉松", k=5, within=DateRange.parse("1990-01-01", "1990-12-31")) == []


def test_the_langchain_retriever_takes_as_of_and_a_range(race_qa):
    lc = NewsRetriever(retriever=race_qa.retriever, k=2, within=DateRange.parse("2022-01-01", "2022-12-31"))
    docs = lc.invoke("滨江城市马拉松男子全程冠军是谁？")
    assert docs and {d.metadata["date"] for d in docs} == {"2022-04-17"}
    # as_of per call, as LangChain passes invoke's keyword arguments through: 「去年」 is 2023 as of 2024
    docs = NewsRetriever(retriever=race_qa.retriever, k=1).invoke("去年滨江城市马拉松男子全程冠军是谁？", as_of=AS_OF)
    assert docs[0].metadata["date"] == RACE_DAYS[2023]



def test_an_answer_from_another_year_than_asked_says_so(race_qa):
    qa = NewsQA(race_qa.settings, race_qa.index)
    qa._retriever = HybridRetriever(race_qa.index, time_weight=0.0)  # no preference: any year's race may come first
    question = "去年滨江城市马拉松的男子全程冠军是谁？"
    answer = qa.ask(question, as_of=dt.date(2026, 6, 1))  # 去年 = 2025: no race of 2025 in the archive
    assert not answer.abstained
    assert answer.answer.endswith("不在问题所问的「去年」（2025-01-01至2025-12-31）。）")
    assert answer.citations[0].date in answer.answer
    fitting = qa.ask(question.replace("去年", "2023年"), as_of=AS_OF)
    assert fitting.citations[0].doc_id == "race-2023.txt" and "注意" not in fitting.answer  # the year asked: no note
    traditional = qa.ask("去年濱江城市馬拉松的男子全程冠軍是誰？", as_of=dt.date(2026, 6, 1))
    assert "（注意：引用的報" in traditional.answer and "问题" not in traditional.answer


def test_no_note_when_the_question_does_not_say_the_year(race_qa):
    qa = NewsQA(race_qa.settings, race_qa.index)
    qa._retriever = HybridRetriever(race_qa.index, time_weight=0.0)
    answer = qa.ask("4月滨江城市马拉松的男子全程冠军是谁？", as_of=dt.date(2026, 6, 1))
    assert not answer.abstained and "注意" not in answer.answer
