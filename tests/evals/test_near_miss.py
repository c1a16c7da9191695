"""The near-miss builder: the story stays, the sentences that answered the question go."""

from __future__ import annotations

import json

import pytest

from newsqa.evals import build_near_miss as bn
from newsqa.evals.metrics import load_questions, normalize_answer
from newsqa.evals.splits import split_of_key


def test_remove_answer_takes_out_every_sentence_holding_it() -> None:
    text = "# 台北\n\n臺北市位於臺灣北部。人口約250萬人。市長由市民選出，任期四年。\n"
    left, removed = bn.remove_answer(text, ["250萬"])
    assert removed == 1
    assert "250" not in left and "臺北市位於臺灣北部。" in left and "任期四年。" in left
    assert left.startswith("# 台北\n")  # the headline and paragraph breaks stay


def test_remove_answer_refuses_what_cannot_be_taken_out_cleanly() -> None:
    text = "甲城有三座橋。乙城也有三座橋。丙城還是三座橋。"
    assert bn.remove_answer(text, ["三座"]) is None  # in three sentences: more than MAX_REMOVED
    assert bn.remove_answer(text, ["五座"]) is None  # not there at all
    assert bn.remove_answer(text, [""]) is None
    # Full-width and script variants are matched as the eval matches answers.
    assert bn.remove_answer("氣溫達到３５度。天氣晴。", ["35度"]) == ("天氣晴。", 1)


@pytest.fixture()
def dataset(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    rows = []
    for a in range(30):
        name = f"{200 + a}.md"
        (articles / name).write_text(f"# 文章{a}\n\n第{a}城有{a + 3}座橋。第{a}城的市長是王{a}。\n", encoding="utf-8")
        rows.append({"id": f"{a}-bridges", "question": f"第{a}城有幾座橋？", "answers": [f"{a + 3}座"],
                     "article": name, "evidence": f"第{a}城有{a + 3}座橋。", "answerable": True})
        rows.append({"id": f"{a}-mayor", "question": f"第{a}城的市長是誰？", "answers": [f"王{a}"],
                     "article": name, "evidence": f"第{a}城的市長是王{a}。", "answerable": True})
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return qa, articles, rows


def test_build_writes_shortened_articles_and_marks_the_near_misses(tmp_path, dataset) -> None:
    qa, articles, rows = dataset
    out = tmp_path / "out"
    manifest = bn.build(qa, articles, out, n=4)
    mixed = load_questions(out / "questions.jsonl")
    near = [r for r in mixed if r.get("near_miss")]
    assert manifest["questions"]["near_miss"] == len(near) == 8
    assert sorted(split_of_key(r["article"]) for r in near) == ["check"] * 4 + ["tune"] * 4
    source = {r["id"]: r for r in rows}
    for row in near:
        assert row["answerable"] is False and row["answers"] == []
        text = (out / "corpus" / row["article"]).read_text(encoding="utf-8")
        assert normalize_answer(source[row["id"]]["answers"][0]) not in normalize_answer(text)
        assert text.startswith("# 文章")  # the story is still there
    # The other question of a shortened article stays only while its answer does.
    for row in mixed:
        if row.get("answerable", True):
            text = (out / "corpus" / row["article"]).read_text(encoding="utf-8")
            assert normalize_answer(row["answers"][0]) in normalize_answer(text)
    untouched = {r["article"] for r in rows} - {r["article"] for r in near}
    for name in untouched:
        assert (out / "corpus" / name).read_bytes() == (articles / name).read_bytes()
    # Deterministic: a second build changes nothing.
    written = (out / "questions.jsonl").read_text(encoding="utf-8")
    again = bn.build(qa, articles, out, n=4)
    assert again["corpus"]["files_written_this_time"] == 0
    assert (out / "questions.jsonl").read_text(encoding="utf-8") == written


def test_build_says_when_a_half_is_too_small(tmp_path, dataset) -> None:
    qa, articles, _ = dataset
    with pytest.raises(ValueError, match="half has only"):
        bn.build(qa, articles, tmp_path / "out", n=100)
