"""End to end over a tiny corpus with the real model: ingest → index on disk → ask."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsqa.config import Settings
from newsqa.ingest.pipeline import ingest_paths
from newsqa.qa.langchain_retriever import NewsRetriever
from newsqa.qa.pipeline import NewsQA, QuestionError

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "articles" / "000_8cf7c1ad8f2038b8.txt"

SIMPLIFIED_ARTICLE = """海南自贸港建设取得新进展

2023-06-01 新华网

海南自由贸易港于2020年6月1日公布总体方案。截至2023年5月，海南累计新增市场主体超过100万户。
海口江东新区是海南自贸港的重点园区之一。
"""


@pytest.fixture(scope="module")
def qa(e5_model_dir, tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    corpus = base / "articles"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "hainan.txt").write_text(SIMPLIFIED_ARTICLE, encoding="utf-8")
    settings = Settings.load(index_dir=base / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))
    report = ingest_paths([corpus], settings)
    assert report.ok and len(report.added) == 21 and len(report.duplicates) == 1  # two 相關焦點 items share a text
    return NewsQA.from_settings(settings)


@pytest.mark.parametrize(
    "question, script_marker",
    [("上海自貿區是哪一天掛牌的？", "掛牌"), ("上海自贸区是哪一天挂牌的？", "挂牌")],
)
def test_launch_date_in_the_questions_script_with_a_citation(qa, question, script_marker):
    answer = qa.ask(question)
    assert not answer.abstained
    assert "2013年9月29日" in answer.answer
    assert script_marker in answer.answer
    assert "[1]" in answer.answer
    cited = answer.citations[0]
    assert cited.doc_id == SEED.name
    assert "2013年9月29日上海自貿區掛牌" in cited.text  # the passage as stored (Traditional)
    document = qa.index.get_document(cited.doc_id)
    assert document.text[cited.start : cited.end] == cited.text
    assert "2013年9月29日" in cited.text[cited.highlight_start : cited.highlight_end]


def test_question_about_a_related_item_cites_that_item(qa):
    answer = qa.ask("河北自贸试验区吸引了全省多少比例的新设外资企业？")
    assert not answer.abstained
    assert "24.1%" in answer.answer
    assert answer.citations[0].title.startswith("河北自貿試驗區")
    assert answer.citations[0].doc_id.startswith(SEED.name + "#related-")


def test_traditional_question_about_a_simplified_article(qa):
    answer = qa.ask("海南自由貿易港的總體方案是哪一天公佈的？")
    assert "2020年6月1日" in answer.answer
    assert "總體方案" in answer.answer or "公佈" in answer.answer or "公布" in answer.answer
    assert answer.citations[0].doc_id == "hainan.txt"


def test_unrelated_question_abstains(qa):
    answer = qa.ask("2022年世界盃足球賽的冠軍是哪個國家？")
    assert answer.abstained
    assert answer.answer == "資料中沒有相關內容。"
    assert answer.citations == []


def test_json_contract(qa):
    data = json.loads(json.dumps(qa.ask("上海自贸区扩区前面积多大？").to_dict(), ensure_ascii=False))
    assert set(data) == {"question", "answer", "abstained", "citations", "latency_ms"}
    assert isinstance(data["latency_ms"], float)
    for c in data["citations"]:
        assert {"n", "doc_id", "title", "date", "source", "text", "start", "end", "score"} <= set(c)
        assert isinstance(c["n"], int) and isinstance(c["start"], int) and isinstance(c["score"], float)
    assert "28.78" in data["answer"]


@pytest.mark.parametrize("bad", ["", "   ", "問" * 501])
def test_empty_or_overlong_questions_are_refused(qa, bad):
    with pytest.raises(QuestionError):
        qa.ask(bad)


def test_retrieved_holds_ten_passages_for_the_evals(qa):
    answer = qa.ask("浦東開發開放", top_k=3)
    assert len(answer.retrieved) == 10
    assert len(answer.citations) <= 3


def test_langchain_retriever(qa):
    docs = NewsRetriever(retriever=qa.retriever, k=3).invoke("上海自贸区是哪一天挂牌的？")
    assert len(docs) == 3
    assert any("2013年9月29日" in d.page_content for d in docs)
    assert {d.metadata["doc_id"] for d in docs} == {SEED.name}
    assert all(d.page_content == qa.index.get_document(d.metadata["doc_id"]).text[d.metadata["start"] : d.metadata["end"]] for d in docs)


# What `newsqa ask --json` runs, in a fresh interpreter: the answer, then the LangChain
# modules loaded; then the same after importing the adapter (the check can see them).
_ASK_AND_LIST_LANGCHAIN = """
import json, sys
from newsqa.cli import main
assert main(["ask", "--json", "-q", "--index", sys.argv[1], "上海自贸区是哪一天挂牌的？"]) == 0
def loaded():
    return sorted(m for m in sys.modules if m.split(".")[0].startswith("langchain"))
print(json.dumps(loaded()))
import newsqa.qa.langchain_retriever
print(json.dumps(loaded()))
"""


def test_answering_a_question_does_not_import_langchain(qa):
    """The LangChain adapter (``newsqa.qa.langchain_retriever``) is imported only by whoever
    uses it: opening the index and answering a question loads no LangChain module."""
    env = dict(os.environ, NEWSQA_EMBEDDING_MODEL=str(qa.settings.embedding_model))
    done = subprocess.run(
        [sys.executable, "-c", _ASK_AND_LIST_LANGCHAIN, str(qa.settings.index_path)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    *answer, served, adapter = done.stdout.splitlines()
    assert "2013年9月29日" in json.loads("\n".join(answer))["answer"]
    assert json.loads(served) == []
    assert "langchain_core" in json.loads(adapter)


def test_what_the_ui_reads_of_the_index(qa, tmp_path):
    docs = qa.documents()
    assert not qa.is_empty() and len(docs) == qa.index_stats()["documents"] == len(qa.index.documents)
    first = docs[0]
    assert qa.get_document(first.doc_id) is first and qa.get_document("no-such-id") is None
    stamp = NewsQA.index_stamp(qa.settings)
    assert isinstance(stamp, int) and stamp > 0 and not qa.refresh()  # nothing new was written
    assert stamp == qa.index.stamp()
    assert NewsQA.index_stamp(qa.settings.model_copy(update={"index_dir": tmp_path})) is None  # no index there
