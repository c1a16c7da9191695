"""The unanswerable-set builder on a tiny fake dataset."""

from __future__ import annotations

import json

import pytest

from newsqa.evals import build_unanswerable as bu
from newsqa.evals.metrics import load_questions
from newsqa.evals.splits import split_of, split_of_key


@pytest.fixture()
def dataset(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    rows = []
    for a in range(40):
        name = f"{100 + a}.md"
        (articles / name).write_text(f"# 文章{a}\n\n第{a}篇的內容。\n", encoding="utf-8")
        for q in range(3):
            rows.append({"id": f"{100 + a}-{q}", "question": f"第{a}篇的問題{q}？", "answers": [f"答案{a}"],
                         "article": name, "evidence": f"第{a}篇的內容。", "answerable": True})
    (articles / "extra.md").write_text("# 無題\n\n沒有問題的文章。\n", encoding="utf-8")
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return qa, articles, rows


def test_builds_a_reduced_corpus_and_a_mixed_question_file(tmp_path, dataset):
    qa, articles, rows = dataset
    out = tmp_path / "out"
    manifest = bu.build(qa, articles, out, n=5)

    held = manifest["held_out"]
    assert set(held) == {"tune", "check"}
    for half, info in held.items():
        assert info["n_questions"] == 5
        assert len(info["articles"]) == 2  # 3 questions an article: two articles give >= 5
        assert all(split_of_key(a) == half for a in info["articles"])
    held_articles = {a for info in held.values() for a in info["articles"]}

    corpus_files = sorted(p.name for p in (out / "corpus").iterdir())
    assert held_articles.isdisjoint(corpus_files)
    assert len(corpus_files) == 41 - len(held_articles) and "extra.md" in corpus_files

    mixed = load_questions(out / "questions.jsonl")
    unans = [r for r in mixed if not r["answerable"]]
    assert len(unans) == 10
    assert all(r["answers"] == [] and r["held_out"] and r["article"] in held_articles for r in unans)
    assert sum(split_of(r) == "check" for r in unans) == 5 and sum(split_of(r) == "tune" for r in unans) == 5
    answerable = [r for r in mixed if r["answerable"]]
    assert all(r["article"] not in held_articles for r in answerable)
    assert len(answerable) == 3 * (40 - len(held_articles))
    # order follows the source file
    src_order = [r["id"] for r in rows]
    assert [r["id"] for r in mixed] == [i for i in src_order if i in {r["id"] for r in mixed}]
    assert manifest["questions"] == {"total": len(mixed), "answerable": len(answerable), "unanswerable": 10,
                                     "dropped_from_held_out_articles": 2}


def test_rebuilding_is_deterministic_and_syncs_the_corpus(tmp_path, dataset):
    qa, articles, _ = dataset
    out = tmp_path / "out"
    first = bu.build(qa, articles, out, n=5)
    questions = (out / "questions.jsonl").read_bytes()
    (out / "corpus" / "stray.md").write_text("x", encoding="utf-8")
    kept = next((out / "corpus").glob("1*.md"))
    kept.write_text("changed", encoding="utf-8")
    second = bu.build(qa, articles, out, n=5)
    assert (out / "questions.jsonl").read_bytes() == questions
    assert second["held_out"] == first["held_out"]
    assert not (out / "corpus" / "stray.md").exists()
    assert kept.read_text(encoding="utf-8") == (articles / kept.name).read_text(encoding="utf-8")
    assert second["corpus"]["copied"] == 1 and second["corpus"]["removed"] == 1
    third = bu.build(qa, articles, out, n=5)
    assert third["corpus"]["copied"] == 0 and third["corpus"]["removed"] == 0


def test_asking_for_too_many_fails(tmp_path, dataset, capsys):
    qa, articles, _ = dataset
    code = bu.main(["--questions", str(qa), "--articles", str(articles), "--out", str(tmp_path / "o"), "--n", "500"])
    assert code == 2 and "only" in capsys.readouterr().err
    assert bu.main(["--questions", str(qa), "--articles", str(articles), "--out", str(tmp_path / "o"), "--n", "4"]) == 0
    assert "unanswerable" in capsys.readouterr().out


def test_manifest_reports_leak_checks(tmp_path, dataset):
    qa, articles, _ = dataset
    manifest = bu.build(qa, articles, tmp_path / "out", n=5)
    assert manifest["checks"] == {"evidence_in_kept_corpus": 0, "gold_answer_in_kept_corpus": 0}
    # a kept article that quotes a held-out one is reported
    mixed = load_questions(tmp_path / "out" / "questions.jsonl")
    per_article: dict[str, int] = {}
    for r in mixed:
        if not r["answerable"]:
            per_article[r["article"]] = per_article.get(r["article"], 0) + 1
    held = next(a for a, count in sorted(per_article.items()) if count == 3)
    n = int(held.split(".")[0]) - 100
    kept = next(p for p in articles.glob("1*.md") if p.name not in
                {a for v in manifest["held_out"].values() for a in v["articles"]})
    kept.write_text(kept.read_text(encoding="utf-8") + f"第{n}篇的內容。答案{n}\n", encoding="utf-8")
    again = bu.build(qa, articles, tmp_path / "out", n=5)
    # all 3 chosen questions of that article share its evidence sentence and gold answer
    assert again["checks"] == {"evidence_in_kept_corpus": 3, "gold_answer_in_kept_corpus": 3}
