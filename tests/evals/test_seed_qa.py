"""The bundled eval set is well-formed and agrees with the article it is about."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from newsqa.evals import SEED_QA
from newsqa.evals.metrics import load_questions, normalize_answer
from newsqa.script import detect_script

ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load_questions(SEED_QA)


@pytest.fixture(scope="module")
def raw_lines() -> list[dict]:
    return [json.loads(line) for line in SEED_QA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_size_ids_and_keys(rows, raw_lines):
    assert len(rows) >= 40
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    for line in raw_lines:
        assert set(line) <= {"id", "question", "answers", "answer_match", "article", "evidence", "answerable"}


def test_both_scripts_are_present(rows):
    scripts = Counter(detect_script(r["question"]) for r in rows)
    assert scripts["hant"] >= 18, scripts
    assert scripts["hans"] >= 18, scripts


def test_unanswerable_rows(rows):
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(unanswerable) >= 5
    for r in unanswerable:
        assert r["answers"] == []
        assert "evidence" not in r


def test_evidence_is_an_exact_sentence_of_the_article(rows):
    for r in rows:
        if not r["answerable"]:
            continue
        text = (ARTICLES / r["article"]).read_text(encoding="utf-8")
        assert r["evidence"] in text, r["id"]
        assert "\n" not in r["evidence"], r["id"]


def test_every_answer_is_in_its_evidence_after_folding(rows):
    for r in rows:
        if not r["answerable"]:
            continue
        evidence = normalize_answer(r["evidence"])
        for answer in r["answers"]:
            assert normalize_answer(answer), (r["id"], answer)
            assert normalize_answer(answer) in evidence, (r["id"], answer)


def test_no_question_gives_its_own_answer_away(rows):
    for r in rows:
        question = normalize_answer(r["question"])
        for answer in r["answers"]:
            assert normalize_answer(answer) not in question, (r["id"], answer)


def test_related_items_are_covered(rows):
    # Questions whose evidence lies in the 相關焦點 list, one document per item.
    text = (ARTICLES / "000_8cf7c1ad8f2038b8.txt").read_text(encoding="utf-8")
    related_at = text.index("相關焦點")
    items = set()
    for r in rows:
        if r["answerable"] and text.index(r["evidence"]) > related_at:
            item_start = text.rfind("•", 0, text.index(r["evidence"]))
            items.add(item_start)
    assert len(items) >= 8
