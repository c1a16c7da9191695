"""Metrics on hand-made answers: each metric at 0 and at 1, the gold-passage rule, loading."""

from __future__ import annotations

import json

import pytest

from newsqa.evals.metrics import (
    QuestionFileError,
    aggregate,
    answer_matches,
    article_matches,
    covers_half,
    load_questions,
    locate_evidence,
    normalize_answer,
    score_row,
)
from newsqa.types import Answer, Chunk, Citation, Document, RetrievedChunk

ARTICLE = "000_seed.txt"
EVIDENCE = "2013年9月29日上海自貿區掛牌。"
BODY = (
    "隨著中國上海自由貿易試驗區建設大幕的拉開,這名青年黨員發現,工作生活正發生變化。"
    + EVIDENCE
    + "作為深化改革的「試驗田」,各類改革創新,如火如荼。"
)
EV_START = BODY.index(EVIDENCE)
EV_END = EV_START + len(EVIDENCE)

GOLD_DOC = Document(doc_id="seed", title="上海自貿試驗區", text=BODY, source_file=f"news/{ARTICLE}")
OTHER_DOC = Document(
    doc_id="other", title="河北自貿試驗區", text="河北自貿試驗區以佔全省萬分之六的國土面積吸引外資。" * 3,
    source_file="news/other.txt",
)
DOCS = {d.doc_id: d for d in (GOLD_DOC, OTHER_DOC)}


def passage(doc: Document, start: int, end: int, score: float = 1.0) -> RetrievedChunk:
    chunk = Chunk(
        chunk_id=f"{doc.doc_id}:{start}", doc_id=doc.doc_id, ordinal=0, text=doc.text[start:end],
        start=start, end=end, embed_text=doc.text[start:end],
    )
    return RetrievedChunk(chunk=chunk, document=doc, score=score)


def gold_passage() -> RetrievedChunk:
    return passage(GOLD_DOC, 0, len(BODY))


def miss_passage() -> RetrievedChunk:
    return passage(OTHER_DOC, 0, 20)


def cite(rc: RetrievedChunk, n: int = 1) -> Citation:
    return Citation(
        n=n, doc_id=rc.chunk.doc_id, title=rc.document.title, date=None, source=None,
        text=rc.chunk.text, start=rc.chunk.start, end=rc.chunk.end, score=rc.score,
    )


def make_answer(
    text: str = "2013年9月29日[1]",
    *,
    retrieved: list[RetrievedChunk] | None = None,
    citations: list[Citation] | None = None,
    abstained: bool = False,
    latency_ms: float = 10.0,
) -> Answer:
    retrieved = [gold_passage()] if retrieved is None else retrieved
    if citations is None:
        citations = [cite(retrieved[0])] if retrieved and not abstained else []
    return Answer(
        question="q", answer=text, abstained=abstained, citations=citations,
        latency_ms=latency_ms, retrieved=retrieved,
    )


def row(**kw) -> dict:
    base = {
        "id": "r1", "question": "上海自貿區是哪一天掛牌的？", "answers": ["2013年9月29日"],
        "article": ARTICLE, "evidence": EVIDENCE,
    }
    base.update(kw)
    return base


UNANSWERABLE = {"id": "u1", "question": "海南自贸港2020年利用外资多少？", "answers": [], "answerable": False}


def report_of(*pairs) -> dict:
    return aggregate([score_row(r, a, DOCS.get) for r, a in pairs])


# --------------------------------------------------------------------------- retrieval


def test_hit_at_1_is_one_when_the_gold_passage_ranks_first():
    rep = report_of((row(), make_answer(retrieved=[gold_passage(), miss_passage()])))
    assert rep["hit@1"] == 1.0 and rep["hit@5"] == 1.0 and rep["mrr@10"] == 1.0


def test_hit_at_1_is_zero_but_hit_at_5_one_when_gold_ranks_second():
    rep = report_of((row(), make_answer(retrieved=[miss_passage(), gold_passage()])))
    assert rep["hit@1"] == 0.0
    assert rep["hit@3"] == 1.0 and rep["hit@5"] == 1.0
    assert rep["mrr@10"] == 0.5


def test_hit_at_5_is_zero_when_gold_ranks_sixth_and_mrr_counts_it():
    retrieved = [miss_passage() for _ in range(5)] + [gold_passage()]
    rep = report_of((row(), make_answer(retrieved=retrieved)))
    assert rep["hit@5"] == 0.0 and rep["hit@10"] == 1.0
    assert rep["mrr@10"] == pytest.approx(round(1 / 6, 4))


def test_mrr_is_zero_when_gold_is_absent_or_below_ten():
    rep = report_of((row(), make_answer(retrieved=[miss_passage()])))
    assert rep["hit@1"] == 0.0 and rep["hit@5"] == 0.0 and rep["mrr@10"] == 0.0
    retrieved = [miss_passage() for _ in range(10)] + [gold_passage()]
    s = score_row(row(), make_answer(retrieved=retrieved), DOCS.get)
    assert s.gold_rank == 11
    assert aggregate([s])["mrr@10"] == 0.0


def test_rows_without_article_or_evidence_are_not_scored_for_retrieval():
    r = row(article=None, evidence=None)
    rep = report_of((r, make_answer(retrieved=[miss_passage()])))
    assert rep["n_retrieval_scored"] == 0
    assert rep["hit@1"] is None and rep["mrr@10"] is None


def test_half_coverage_boundary():
    # Evidence of 100 characters: a passage covering 49 of them is not gold, 50 is.
    evidence = "甲" * 100
    body = "乙" * 30 + evidence + "丙" * 30
    doc = Document(doc_id="d", title="t", text=body, source_file=ARTICLE)
    r = row(evidence=evidence, answers=["甲"])
    start = 30
    s49 = score_row(r, make_answer("甲", retrieved=[passage(doc, 0, start + 49)]), None)
    s50 = score_row(r, make_answer("甲", retrieved=[passage(doc, 0, start + 50)]), None)
    s50_tail = score_row(r, make_answer("甲", retrieved=[passage(doc, start + 50, len(body))]), None)
    s49_tail = score_row(r, make_answer("甲", retrieved=[passage(doc, start + 51, len(body))]), None)
    assert s49.gold_rank is None and s49_tail.gold_rank is None
    assert s50.gold_rank == 1 and s50_tail.gold_rank == 1
    assert covers_half(0, 5, (0, 10)) and not covers_half(0, 4, (0, 10))


def test_passage_of_the_gold_article_without_the_evidence_is_not_gold():
    r = row()
    other_part = passage(GOLD_DOC, 0, EV_START)  # same article, before the evidence
    assert score_row(r, make_answer(retrieved=[other_part]), None).gold_rank is None


def test_passage_of_another_article_holding_the_evidence_is_not_gold():
    copy = Document(doc_id="copy", title="copy", text=BODY, source_file="elsewhere.txt")
    assert score_row(row(), make_answer(retrieved=[passage(copy, 0, len(BODY))]), None).gold_rank is None
    # ...but it is when the row names no article.
    assert score_row(row(article=None), make_answer(retrieved=[passage(copy, 0, len(BODY))]), None).gold_rank == 1


def test_article_matching_by_basename_and_relative_path():
    assert article_matches("news/000_seed.txt", ["000_seed.txt"])
    assert article_matches("000_seed.txt", ["000_seed.txt"])
    assert article_matches("news/000_seed.txt", ["news/000_seed.txt"])
    assert article_matches("news\\000_seed.txt", ["news/000_seed.txt"])
    assert not article_matches("other/000_seed.txt", ["news/000_seed.txt"])
    assert not article_matches("news/001.txt", ["000_seed.txt"])
    assert not article_matches(None, ["000_seed.txt"])
    assert article_matches("b.txt", ["a.txt", "b.txt"])
    # in score_row: a list of articles, and the article alone (no evidence) decides
    r = row(article=["zzz.txt", ARTICLE], evidence=None)
    assert score_row(r, make_answer(retrieved=[passage(GOLD_DOC, 0, 5)]), None).gold_rank == 1
    assert score_row(r, make_answer(retrieved=[miss_passage()]), None).gold_rank is None


def test_evidence_is_found_across_script_width_and_whitespace_differences():
    text = "前文。２０１３年９月２９日　上海自贸区挂牌！后文。"
    spans = locate_evidence("2013年9月29日上海自貿區掛牌。", text)
    assert len(spans) == 1
    start, end = spans[0]
    assert text[start:end] == "２０１３年９月２９日　上海自贸区挂牌"
    assert locate_evidence("不存在的句子", text) == ()


# --------------------------------------------------------------------------- answers


def test_answer_contains_one_and_zero():
    assert report_of((row(), make_answer("2013年9月29日[1]")))["answer_contains"] == 1.0
    assert report_of((row(), make_answer("2015年4月27日[1]")))["answer_contains"] == 0.0


def test_answer_contains_folds_script_width_markers_and_punctuation():
    r = row(answers=["上海自貿區綜合黨委"])
    assert report_of((r, make_answer("更名为上海自贸区[1]综合党委。")))["answer_contains"] == 1.0
    assert report_of((r, make_answer("更名為「上海自貿區 綜合黨委」")))["answer_contains"] == 1.0
    r = row(answers=["28.78平方公裡"])
    assert report_of((r, make_answer("面積為２８.７８平方公里[2]")))["answer_contains"] == 1.0
    assert report_of((r, make_answer("面積為2878平方公里")))["answer_contains"] == 0.0
    assert normalize_answer("同在自貿區,通力優環境[1][2]") == normalize_answer("同在自贸区，通力优环境")
    assert normalize_answer("答案【3】。") == "答案"


def test_answer_contains_all_mode():
    r = row(answers=["陸家嘴", "張江", "金橋", "世博"], answer_match="all")
    assert report_of((r, make_answer("扩展至陆家嘴、张江、金桥、世博等片区[1]")))["answer_contains"] == 1.0
    assert report_of((r, make_answer("扩展至陆家嘴、张江[1]")))["answer_contains"] == 0.0
    # the same partial answer passes in "any" mode
    assert report_of((row(answers=r["answers"]), make_answer("扩展至陆家嘴、张江[1]")))["answer_contains"] == 1.0
    assert answer_matches("甲乙", ["甲", "乙"], "all") and not answer_matches("甲", ["甲", "乙"], "all")


def test_a_judgement_is_scored_by_the_yes_or_no_it_opens_with():
    yes, no = row(answers=["是的"]), row(answers=["不是"])
    said_no = make_answer("不是：英国脱欧协议生效在2020年1月31日[1]，武汉解除管控在2020年4月8日[2]。")
    assert report_of((no, said_no))["answer_contains"] == 1.0
    assert report_of((yes, said_no))["answer_contains"] == 0.0  # 「不是」 holds 是: no substring test
    assert report_of((yes, make_answer("是的：都在2020年[1]。")))["answer_contains"] == 1.0
    assert report_of((yes, make_answer("報導說兩件事是同一年[1]。")))["answer_contains"] == 0.0  # opens with neither


def test_an_option_the_question_names_must_be_the_answer_s_first_clause():
    r = row(question="康达访问越南和红魔9 Pro系列手机发布哪个事件更早发生？", answers=["红魔9 Pro系列手机发布"])
    right = make_answer("红魔9 Pro系列手机发布更早（2023年11月24日[2]）；康达访问越南在2024年6月24日[1]。")
    wrong = make_answer("康达访问越南更早（2023年11月24日[2]）；红魔9 Pro系列手机发布在2024年6月24日[1]。")
    assert report_of((r, right))["answer_contains"] == 1.0
    assert report_of((r, wrong))["answer_contains"] == 0.0


def test_a_gold_wording_an_option_its_own_way_is_matched_to_the_option_it_names():
    r = row(question="德国派遣军舰前往南海的事件和美国国务院放宽难民接收资格哪个发生得更早？", answers=["派遣军舰事件"])
    right = make_answer("德国派遣军舰前往南海的事件更早（2021年5月7日[1]）；美国国务院放宽难民接收资格在2021年8月3日[2]。")
    wrong = make_answer("美国国务院放宽难民接收资格更早（2021年5月7日[1]）；德国派遣军舰前往南海的事件在2021年8月3日[2]。")
    both = make_answer("德国派遣军舰前往南海的事件比美国国务院放宽难民接收资格早[1][2]。")
    assert report_of((r, right))["answer_contains"] == 1.0
    assert report_of((r, wrong))["answer_contains"] == 0.0
    assert report_of((r, both))["answer_contains"] == 0.0  # names both options: no pick
    # a gold that names no option clearly keeps the substring test
    vague = row(question=r["question"], answers=["南海的那件事"])
    assert report_of((vague, right))["answer_contains"] == 0.0


def test_a_question_asking_two_things_needs_every_piece_of_its_gold():
    r = row(question="2023年6月底公募基金资产净值和第一季度深圳甲级写字楼空置率分别是多少？", answers=["27.6万亿元和24.4%"])
    both = make_answer("公募基金资产净值超过27.6万亿元[1]。\n甲级写字楼空置率降至24.4%[2]。")
    one = make_answer("公募基金资产净值超过27.6万亿元[1]。\n空置率：资料中没有相关内容。")
    assert report_of((r, both))["answer_contains"] == 1.0
    assert report_of((r, one))["answer_contains"] == 0.0
    # a question asking one thing keeps the whole-gold test
    single = row(question="2023年6月底公募基金资产净值是多少？", answers=["27.6万亿元和24.4%"])
    assert report_of((single, both))["answer_contains"] == 0.0


def test_a_gold_s_trailing_note_in_brackets_may_be_left_out():
    r = row(answers=["沪指下跌（2022年7月12日）"])
    assert report_of((r, make_answer("沪指下跌更早（2022年7月12日[1]）。")))["answer_contains"] == 1.0
    assert report_of((r, make_answer("沪指上涨。")))["answer_contains"] == 0.0
    assert answer_matches("沪指下跌（2022年7月12日）", ["沪指下跌（2022年7月12日）"])


def test_abstained_answerable_row_does_not_contain_the_answer():
    rep = report_of((row(), make_answer("資料中沒有提到 2013年9月29日", abstained=True)))
    assert rep["answer_contains"] == 0.0


# --------------------------------------------------------------------------- citations


def test_citation_accuracy_one_and_zero():
    gold, miss = gold_passage(), miss_passage()
    assert report_of((row(), make_answer(retrieved=[miss, gold], citations=[cite(gold)])))["citation_accuracy"] == 1.0
    assert report_of((row(), make_answer(retrieved=[gold, miss], citations=[cite(miss)])))["citation_accuracy"] == 0.0
    assert report_of((row(), make_answer(retrieved=[gold], citations=[])))["citation_accuracy"] == 0.0
    # any cited gold passage is enough
    both = [cite(miss, 1), cite(gold, 2)]
    assert report_of((row(), make_answer(retrieved=[gold, miss], citations=both)))["citation_accuracy"] == 1.0


def test_citation_span_is_judged_by_its_own_offsets():
    gold = gold_passage()
    narrow = Citation(n=1, doc_id="seed", title="t", date=None, source=None,
                      text=BODY[:EV_START], start=0, end=EV_START, score=1.0)
    assert report_of((row(), make_answer(retrieved=[gold], citations=[narrow])))["citation_accuracy"] == 0.0


def test_citation_documents_are_resolved_through_lookup():
    gold = gold_passage()
    answer = make_answer(retrieved=[miss_passage()], citations=[cite(gold)])
    assert aggregate([score_row(row(), answer, DOCS.get)])["citation_accuracy"] == 1.0
    assert aggregate([score_row(row(), answer, lambda _id: None)])["citation_accuracy"] == 0.0


def test_citation_fallback_without_article_or_evidence_checks_the_gold_answer():
    r = row(article=None, evidence=None)
    gold, miss = gold_passage(), miss_passage()
    assert report_of((r, make_answer(retrieved=[gold], citations=[cite(gold)])))["citation_accuracy"] == 1.0
    assert report_of((r, make_answer(retrieved=[miss], citations=[cite(miss)])))["citation_accuracy"] == 0.0


def test_abstained_rows_are_left_out_of_citation_accuracy():
    rep = report_of((row(), make_answer("不知道", abstained=True)))
    assert rep["citation_accuracy"] is None


# --------------------------------------------------------------------------- abstention


def test_abstain_recall_one_and_zero():
    assert report_of((UNANSWERABLE, make_answer("資料不足", abstained=True, retrieved=[])))["abstain_recall"] == 1.0
    assert report_of((UNANSWERABLE, make_answer("100億元[1]")))["abstain_recall"] == 0.0


def test_false_abstain_rate_one_and_zero():
    assert report_of((row(), make_answer("資料不足", abstained=True)))["false_abstain_rate"] == 1.0
    assert report_of((row(), make_answer()))["false_abstain_rate"] == 0.0


def test_answer_chars_median_zero_one_and_markers_removed():
    assert report_of((row(), make_answer("[1]")))["answer_chars_median"] == 0
    assert report_of((row(), make_answer("甲[1]")))["answer_chars_median"] == 1
    rep = report_of(
        (row(), make_answer("甲乙丙[1][2]")),
        (row(id="r2"), make_answer("甲[1]")),
        (row(id="r3"), make_answer("這句話不算", abstained=True)),
    )
    assert rep["answer_chars_median"] == 2  # median of 3 and 1; the abstention is left out


def test_latency_percentiles():
    pairs = [(row(id=f"r{i}"), make_answer(latency_ms=float(i))) for i in range(1, 101)]
    rep = report_of(*pairs)
    assert rep["latency_ms_p50"] == pytest.approx(50.5)
    assert rep["latency_ms_p95"] == pytest.approx(95.05, abs=0.1)


# --------------------------------------------------------------------------- empty denominators


def test_empty_denominators_are_null_not_zero():
    rep = report_of((UNANSWERABLE, make_answer("資料不足", abstained=True, retrieved=[])))
    for key in ("hit@1", "hit@5", "mrr@10", "answer_contains", "citation_accuracy",
                "false_abstain_rate", "answer_chars_median"):
        assert rep[key] is None, key
    assert rep["abstain_recall"] == 1.0
    rep = report_of((row(), make_answer()))
    assert rep["abstain_recall"] is None
    empty = aggregate([])
    assert empty["n"] == 0 and empty["latency_ms_p50"] is None and empty["hit@1"] is None
    assert json.loads(json.dumps(empty))["hit@1"] is None


def test_report_has_the_contract_keys_and_row_dicts():
    rep = report_of((row(), make_answer()), (UNANSWERABLE, make_answer("x", abstained=True, retrieved=[])))
    for key in ("n", "n_answerable", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "answer_contains",
                "citation_accuracy", "abstain_recall", "false_abstain_rate", "answer_chars_median",
                "latency_ms_p50", "latency_ms_p95"):
        assert key in rep, key
    assert rep["n"] == 2 and rep["n_answerable"] == 1
    d = score_row(row(), make_answer(), DOCS.get).to_dict()
    assert d["gold_rank"] == 1 and d["hit@1"] is True and d["hit@5"] is True
    assert d["contains"] is True and d["citation_ok"] is True and d["latency_ms"] == 10.0
    json.dumps(d, ensure_ascii=False)


# --------------------------------------------------------------------------- load_questions


def write_lines(tmp_path, lines) -> object:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")
    return path


def test_load_questions_fills_defaults_and_limits(tmp_path):
    path = write_lines(tmp_path, [row(), "", row(id="r2"), UNANSWERABLE])
    rows = load_questions(path)
    assert [r["id"] for r in rows] == ["r1", "r2", "u1"]
    assert rows[0]["answer_match"] == "any" and rows[0]["answerable"] is True
    assert [r["id"] for r in load_questions(path, limit=2)] == ["r1", "r2"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        ({"id": "x", "answers": ["a"]}, "'question'"),
        ({"id": "x", "question": "q", "answers": "a"}, "'answers'"),
        ({"id": "x", "question": "q", "answers": []}, "at least one"),
        ({"id": "x", "question": "q", "answers": ["a"], "answerable": False}, "unanswerable"),
        ({"id": "x", "question": "q", "answers": ["a"], "answer_match": "most"}, "answer_match"),
        ({"id": "x", "question": "q", "answers": ["a"], "article": 3}, "'article'"),
        ({"id": "x", "question": "q", "answers": ["a"], "evidence": ""}, "'evidence'"),
        ({"id": "r1", "question": "q", "answers": ["a"]}, "duplicate id"),
    ],
)
def test_load_questions_errors_name_the_line(tmp_path, bad, message):
    path = write_lines(tmp_path, [row(), "", bad])
    with pytest.raises(QuestionFileError) as err:
        load_questions(path)
    assert "line 3" in str(err.value)
    assert message in str(err.value)


def test_load_questions_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(QuestionFileError):
        load_questions(path)


def test_an_answer_quoting_half_a_word_or_bracket_is_counted_as_cut():
    from newsqa.evals.metrics import aggregate, score_row
    from newsqa.types import Answer, Citation

    text = "2023年8月6日在山东省德州市平原县发生5.5级地震(北纬37.16゜，东经116.34゜)，震源深度10公里。"

    def answer(start_at: str, end_at: str) -> Answer:
        s, e = text.index(start_at), text.index(end_at)
        cite = Citation(1, "a.txt", "地震", None, None, text, 0, len(text), 1.0, highlight_start=s, highlight_end=e)
        return Answer("平原县发生了几级地震？", text[s:e] + "[1]", False, [cite])

    row = {"id": "q", "question": "平原县发生了几级地震？", "answers": ["5.5级"]}
    whole = score_row(row, answer("山东省", "(北纬"))
    cut = score_row(row, answer("东省", "，东经"))  # 山东 cut in two, the bracket left open
    assert whole.cut is False and cut.cut is True
    assert aggregate([whole, cut])["n_answers_cut"] == 1
