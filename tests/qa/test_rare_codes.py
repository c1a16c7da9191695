"""A rare exact code the question names wins over the words templated reports share."""

from __future__ import annotations

import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.qa.pipeline import NewsQA
from newsqa.qa.retriever import HybridRetriever
from newsqa.types import Document

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def _report(n: int) -> Document:
    code = f"QX{n:03d}"
    reporter = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n * 7) % len(GIVEN)]
    checker = SURNAMES[(n * 3 + 1) % len(SURNAMES)] + GIVEN[(n * 5 + 2) % len(GIVEN)]
    if n % 2:  # the odd ones: short, and full of the words of the question
        text = (f"这篇报道的校对员是谁？这篇报道代号{code}，校对员为{checker}。"
                "这篇报道的校对员与记者核对了这篇报道的全文。")
    else:  # the even ones: the code once, in a long report about something else
        text = (
            f"报道代号{code}。本期城市交通专题由记者{reporter}采写，{checker}校对。"
            "专题涉及城市交通规划的多个方面，包括地铁线路、公交线网和慢行系统的改善建议，"
            "并收集了市民对早晚高峰通勤体验的意见，提出了优化换乘、增加班次和建设自行车道等措施。"
            "受访市民普遍认为，地铁新线开通后通勤时间明显缩短，但换乘站的客流压力仍然较大。"
        )
    return Document(doc_id=f"report-{code}.txt", title="城市交通专题报道", text=text, date="2023-08-01",
                    source_file=f"report-{code}.txt")


@pytest.fixture(scope="module")
def reports_qa(e5_model_dir, tmp_path_factory):
    settings = Settings.load(embedding_model=str(e5_model_dir))
    embedder, chunker = build_components(settings)
    index = NewsIndex.create(tmp_path_factory.mktemp("codes") / "index", embedder, chunker)
    index.upsert([_report(n) for n in range(20, 50)], show_progress=False)
    return NewsQA(settings, index)


@pytest.mark.parametrize("n", [36, 33, 48])
def test_the_report_holding_the_code_comes_first(reports_qa, n):
    question = f"代号QX{n:03d}的这篇报道，校对员是谁？"
    hits = HybridRetriever(reports_qa.index).run(question, k=5)
    assert hits[0].document.doc_id == f"report-QX{n:03d}.txt"
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    answer = reports_qa.ask(question)
    text = _report(n).text
    expected = text.split("校对员为")[1][:2] if "校对员为" in text else text.split("，")[1].split("校对")[0][-2:]
    assert not answer.abstained and expected in answer.answer
    assert answer.citations[0].doc_id == f"report-QX{n:03d}.txt"


def test_a_code_many_passages_hold_is_no_anchor(reports_qa):
    retriever = HybridRetriever(reports_qa.index)
    assert retriever.rare_codes("QX036和qx036的报道") == ["qx036"]
    assert retriever.rare_codes("没有这个代号QX999的报道") == []  # held by none: nothing to anchor on
    assert retriever.rare_codes("上海自贸区有多大") == []
