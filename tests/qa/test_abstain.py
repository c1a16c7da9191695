"""The abstention model: its arithmetic, its fit, and what it decides with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from newsqa.config import Settings
from newsqa.evals.fit_abstention import fit, sample
from newsqa.qa.abstain import FEATURES, WEIGHTS_FILE, AbstentionModel, fit_logistic
from newsqa.qa.pipeline import NewsQA
from newsqa.script import to_simplified, to_traditional
from newsqa.types import Chunk, Document, RetrievedChunk


# --------------------------------------------------------------------------- arithmetic


def test_probability_is_the_logistic_of_the_weighted_sum() -> None:
    model = AbstentionModel({"match": 2.0, "dense_top": 10.0}, bias=-9.0)
    z = 2.0 * 0.5 + 10.0 * 0.85 - 9.0
    assert model.probability({"match": 0.5, "dense_top": 0.85}) == pytest.approx(1 / (1 + np.exp(-z)))
    assert model.probability({"match": 0.9, "dense_top": 0.85}) > model.probability({"match": 0.5, "dense_top": 0.85})
    assert model.probability({}) == pytest.approx(1 / (1 + np.exp(9.0)))  # missing features count as 0
    assert model.probability({"match": -1e6}) == 0.0  # no overflow


def test_unknown_feature_and_unreadable_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown abstention feature"):
        AbstentionModel({"loudness": 1.0}, 0.0)
    broken = tmp_path / "w.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=str(broken)):
        AbstentionModel.load(broken)


def test_shipped_weights_load_and_say_what_they_were_fitted_on() -> None:
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    model = AbstentionModel.load()
    assert model.weights == {f: pytest.approx(data["weights"][f]) for f in FEATURES}
    assert Settings.load().answer_min_confidence == pytest.approx(data["threshold"])
    check = data["figures"]["at_threshold"]["check"]
    assert check["false_abstain_rate"] <= 0.05 and check["abstain_recall"] >= 0.9  # the targets


def _passage(text: str, *, rerank: float | None, dense: float) -> RetrievedChunk:
    doc = Document(doc_id=f"{text}.txt", title=text, text=text)
    chunk = Chunk(chunk_id=f"{text}-0", doc_id=doc.doc_id, ordinal=0, text=text, start=0, end=len(text), embed_text=text)
    return RetrievedChunk(chunk=chunk, document=doc, score=0.0, dense_score=dense, rerank_score=rerank)


class _Sentence:
    def __init__(self, match: float):
        self.match = match


def test_features_read_the_scores_the_passages_carry() -> None:
    """``rerank_top`` is the best reranker score the retriever left on the passages, not one
    computed again from their text (these texts share nothing with any question)."""
    model = AbstentionModel.load()
    passages = [_passage("甲", rerank=1.5, dense=0.8), _passage("乙", rerank=4.25, dense=0.7),
                _passage("丙", rerank=None, dense=0.9)]  # below the re-ranked pool
    assert model.features([_Sentence(0.3), _Sentence(0.6)], passages) == {
        "rerank_top": 4.25, "match": 0.6, "dense_top": 0.9,
    }
    assert model.features([], [_passage("甲", rerank=None, dense=0.8)])["rerank_top"] == 0.0  # none re-scored
    assert model.features([], []) == dict.fromkeys(FEATURES, 0.0)


# --------------------------------------------------------------------------- fitting


def test_fit_logistic_separates_and_is_scale_free() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.5
    x = np.column_stack([y * 1.0 + rng.normal(0, 0.3, 400), rng.normal(0, 1, 400)])
    weights, bias = fit_logistic(x, y)
    assert weights[0] > 1.0 and abs(weights[1]) < 0.3
    accuracy = (((x @ np.array(weights) + bias) > 0) == y).mean()
    assert accuracy > 0.9
    # The same data in other units gives the same decisions.
    weights_scaled, bias_scaled = fit_logistic(x * [100.0, 1.0], y)
    assert weights_scaled[0] * 100 == pytest.approx(weights[0], rel=1e-3)
    assert bias_scaled == pytest.approx(bias, rel=1e-3)


def _record(split: str, answerable: bool, value: float) -> dict:
    return {"split": split, "answerable": answerable, "has_sentences": True,
            **dict.fromkeys(FEATURES, 0.0), "match": value}


def test_fit_picks_the_threshold_on_tune_and_reports_check() -> None:
    records = [_record(s, True, 0.6 + i / 100) for s in ("tune", "check") for i in range(30)]
    records += [_record(s, False, 0.1 + i / 100) for s in ("tune", "check") for i in range(30)]
    model, calibration = fit(records)
    assert model.weights["match"] > 0
    assert calibration["fit_on"] == "tune"
    assert calibration["at_threshold"]["check"]["abstain_recall"] == 1.0
    assert calibration["at_threshold"]["check"]["false_abstain_rate"] == 0.0
    with pytest.raises(ValueError, match="both answerable and unanswerable"):
        fit([r for r in records if r["answerable"]])


def test_sample_keeps_every_unanswerable_and_a_stable_share_of_the_rest() -> None:
    rows = [{"id": f"q{i}", "question": "?", "answerable": i % 10 != 0} for i in range(300)]
    picked = sample(rows, 3)
    assert all(r in picked for r in rows if not r["answerable"])
    share = sum(r["answerable"] for r in picked) / sum(r["answerable"] for r in rows)
    assert 0.2 < share < 0.45
    assert sample(rows, 3) == picked
    assert sample(rows, 1) == rows


# --------------------------------------------------------------------------- real model

# Answerable questions over ``small_news_index`` (tests/qa/conftest.py), echoes and paraphrases.
ANSWERABLE = [
    ("環狀線第一階段全長幾公里？", "15.4公里"),
    ("上海地铁单日客流的最高纪录是多少？", "1329.4"),
    ("中国代表团在杭州亚运会上拿了多少金牌？", "201枚金牌"),
    ("從臺北搭高鐵到左營最快要多久？", "1小時45分鐘"),
    ("三峡电站的总装机容量是多少？", "2250"),
    ("故宮南院在哪一年開館？", "2015年"),
]
# Stories the archive does not hold (one shares 高雄/捷運 with it, one 高鐵).
UNANSWERABLE = [
    "高雄捷運紅線是哪一年通車的？",
    "2024年巴黎奧運中華隊拿了幾面金牌？",
    # A near-miss (the archive has the 高鐵 story, not its chairman): since questions are
    # embedded in the archive's script (8d03c64) its e5 cosine rose and the model answers
    # with the opening date (confidence 0.28 > 0.26). A person question answered without a
    # person is issue 13's open near-miss work; strict, so the fix shows up here.
    pytest.param("台灣高鐵的董事長是誰？", marks=pytest.mark.xfail(strict=True, reason="near-miss: issue 13")),
    "世界盃足球賽冠軍是哪一國？",
]


@pytest.fixture(scope="module")
def qa(small_news_index) -> NewsQA:
    return NewsQA(Settings.load(), small_news_index)


@pytest.mark.slow
@pytest.mark.parametrize("question, expected", ANSWERABLE)
def test_answerable_questions_are_answered_in_both_scripts(qa: NewsQA, question: str, expected: str) -> None:
    for asked in (to_traditional(question), to_simplified(question)):
        answer = qa.ask(asked)
        assert not answer.abstained, (asked, answer.confidence)
        assert answer.confidence >= qa.settings.answer_min_confidence
        assert to_simplified(expected) in to_simplified(answer.answer)


@pytest.mark.slow
@pytest.mark.parametrize("question", UNANSWERABLE)
def test_questions_about_stories_not_in_the_archive_abstain(qa: NewsQA, question: str) -> None:
    answer = qa.ask(question)
    assert answer.abstained and answer.citations == [], (answer.answer, answer.confidence)
    assert answer.confidence < qa.settings.answer_min_confidence
