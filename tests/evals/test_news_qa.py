"""The news eval set (``evals/news_qa.jsonl``) passes its own check script."""

from __future__ import annotations

import json

import pytest

from newsqa.evals.check_news_qa import NEWS_QA, check, check_row, default_articles_dir, load_rows, main
from newsqa.evals.metrics import load_questions


def test_the_file_validates_without_the_articles() -> None:
    assert check(NEWS_QA, articles_dir=None) == []


def test_the_eval_runner_reads_it() -> None:
    rows = load_questions(NEWS_QA)
    assert len(rows) >= 150
    assert sum(not r["answerable"] for r in rows) >= 25


@pytest.mark.shared_data
def test_every_evidence_is_verbatim_in_its_article() -> None:
    articles = default_articles_dir()
    if articles is None:
        pytest.skip("../shared/data/crud_news/articles is absent")
    assert check(NEWS_QA, articles_dir=articles) == []
    assert main(["--articles", str(articles)]) == 0


def test_the_check_finds_broken_rows(tmp_path) -> None:
    rows, problems = load_rows(NEWS_QA)
    assert not problems
    good = next(r for r in rows if r["answerable"])
    assert check_row(good) == []
    assert check_row({**good, "answers": ["不在证据里"]})  # answer not in the evidence
    assert check_row({**good, "script": "hans" if good["script"] == "hant" else "hant"})
    assert check_row({**good, "kind": "how"})
    assert check_row({**good, "answerable": False})  # answers on an unanswerable row
    assert check_row({k: v for k, v in good.items() if k != "evidence"})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [good, good]), encoding="utf-8")
    found = check(bad)
    assert any("used 2 times" in p for p in found) and any("only 2 rows" in p for p in found)
    assert main(["--questions", str(bad)]) == 1
