"""The second-stage reranker: features on hand-made candidates, the shipped weights, the fit."""

import json

import numpy as np
import pytest

from newsqa.answer_types import question_kind
from newsqa.index.fusion import Candidate
from newsqa.qa.rerank import (
    FEATURES,
    WEIGHTS_FILE,
    FeatureExtractor,
    LinearReranker,
    QueryTerms,
    fit_listwise,
)
from newsqa.script import fold
from newsqa.types import Chunk, Document

F = {name: i for i, name in enumerate(FEATURES)}


def cand(vid, text, title="新聞", *, dense=None, bm25=None):
    doc = Document(doc_id=f"d{vid}", title=title, text=text)
    chunk = Chunk(f"c{vid}", doc.doc_id, 0, text, 0, len(text), f"{title}\n{text}")
    c = Candidate(vid, chunk, doc, fold(chunk.embed_text))
    if dense is not None:
        c.dense_rank, c.dense_score = dense
    if bm25 is not None:
        c.bm25_rank, c.bm25_score = bm25
    return c


GOLD = cand(1, "市政府表示。2013年9月29日上海自貿區正式掛牌成立。首批入駐企業36家。", "上海自貿區", dense=(2, 0.86), bm25=(1, 12.0))
NEAR = cand(2, "上海自貿區擴區後面積120.72平方公里。自貿區吸引了大量外資。", "上海自貿區", dense=(1, 0.88), bm25=(2, 9.0))
FAR = cand(3, "海南自由貿易港於2020年公布總體方案。", "海南", dense=(3, 0.80))


@pytest.mark.parametrize(
    "question, kind",
    [("上海自贸区是哪一天挂牌的？", "date"), ("何年建成", "date"), ("扩区前面积有多大？", "number"),
     ("谁创立了这家公司？", "other")],
)
def test_question_kind(question, kind):
    assert question_kind(fold(question)) == kind


def test_query_terms_drop_question_words_in_both_scripts():
    trad = QueryTerms.of("上海自貿區是哪一天掛牌的？")
    simp = QueryTerms.of("上海自贸区是哪一天挂牌的？")
    assert trad.weights == simp.weights and trad.char_weights == simp.char_weights
    assert set(trad.weights) == {"上海", "海自", "自贸", "贸区", "区是", "挂牌", "牌的"}  # no 哪一天
    # A character weighs as much as the commonest bigram that holds it.
    terms = QueryTerms.of("上海挂牌", term_weights=lambda toks: {"上海": 1.0, "海挂": 3.0, "挂牌": 2.0})
    assert terms.char_weights == {"上": 1.0, "海": 1.0, "挂": 2.0, "牌": 2.0}
    # Bigrams and characters that hold a function character (的, 是 …) can be discounted.
    half = QueryTerms.of("上海自贸区是哪一天挂牌的？", lambda toks: {t: 2.0 for t in toks}, function_weight=0.5)
    assert half.weights["区是"] == half.weights["牌的"] == 1.0 and half.weights["挂牌"] == 2.0
    assert half.char_weights["是"] == half.char_weights["区"] == 1.0 and half.char_weights["挂"] == 2.0


def test_features_prefer_the_passage_that_holds_the_answer_sentence():
    terms = QueryTerms.of("上海自貿區是哪一天掛牌的？")
    x = FeatureExtractor().features(terms, [GOLD, NEAR, FAR])
    assert x.shape == (3, len(FEATURES))
    for name in ("cov", "sent_cov", "win_cov", "char_cov"):
        assert x[0, F[name]] > x[1, F[name]] > x[2, F[name]], name
    assert x[0, F["type_ok"]] == 1.0 and x[2, F["type_ok"]] == 1.0  # both hold a year
    assert x[1, F["type_ok"]] == -1.0  # a date question, no date in the passage
    assert x[0, F["title_cov"]] > 0 and x[2, F["title_cov"]] == 0
    assert list(x[:, F["dense_cos"]]) == [0.86, 0.88, 0.80]
    assert list(x[:, F["dense_rr"]]) == [0.5, 1.0, pytest.approx(1 / 3)]
    assert list(x[:, F["bm25_rel"]]) == [1.0, 0.75, 0.0]
    assert np.all(x[:, F["cov"]] <= 1.0) and np.all(x[:, F["char_cov"]] <= 1.0)


def test_features_of_a_question_without_content_and_of_no_candidates():
    fx = FeatureExtractor()
    assert fx.features(QueryTerms.of("是什麼？"), []).shape == (0, len(FEATURES))
    x = fx.features(QueryTerms.of("？"), [GOLD])
    assert x[0, F["cov"]] == 0.0 and x[0, F["char_cov"]] == 0.0 and x[0, F["dense_cos"]] == 0.86


def test_passage_cache_is_bounded():
    fx = FeatureExtractor(cache_size=2)
    fx.features(QueryTerms.of("上海"), [GOLD, NEAR, FAR])
    assert len(fx._cache) <= 2


def test_shipped_weights_cover_every_feature_and_keep_dense_in_play():
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert set(data["weights"]) == set(FEATURES)
    reranker = LinearReranker.load()
    assert all(w >= 0 for w in reranker.weights.values())
    assert reranker.weights["dense_cos"] > 0 and reranker.weights["dense_rr"] > 0
    assert reranker.weights["bm25_rel"] > 0 and reranker.weights["sent_cov"] > 0
    assert 0 < reranker.function_weight <= 1


def test_rerank_orders_by_score_and_keeps_ties_in_order():
    reranker = LinearReranker({"sent_cov": 1.0, "char_cov": 1.0})
    ordered = reranker.rerank("上海自貿區是哪一天掛牌的？", [FAR, NEAR, GOLD])
    assert [c.vid for c, _ in ordered] == [1, 2, 3]
    scores = [s for _, s in ordered]
    assert scores == sorted(scores, reverse=True)
    flat = LinearReranker({})
    assert [c.vid for c, _ in flat.rerank("上海", [FAR, NEAR, GOLD])] == [3, 2, 1]
    assert reranker.rerank("上海", []) == []


def test_bad_weights_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown reranker feature"):
        LinearReranker({"cross_encoder": 1.0})
    bad = tmp_path / "w.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read reranker weights"):
        LinearReranker.load(bad)
    bad.write_text(json.dumps({"weights": {"cov": 1.0}, "function_weight": 2.0}))
    with pytest.raises(ValueError, match="function_weight"):
        LinearReranker.load(bad)


def test_a_weights_file_of_ones_own(tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"weights": {"sent_cov": 2.0}, "function_weight": 0.5}))
    reranker = LinearReranker.load(path)
    assert reranker.weights["sent_cov"] == 2.0 and reranker.weights["dense_cos"] == 0.0
    assert reranker.function_weight == 0.5


def test_fit_listwise_learns_which_feature_marks_the_gold_passage():
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(200):
        x = rng.normal(size=(10, 3))
        gold = np.zeros(10, dtype=bool)
        best = int(np.argmax(x[:, 1] + 0.1 * rng.normal(size=10)))
        gold[best] = True
        groups.append((x, gold))
    w, bias = fit_listwise(groups, l2=1e-3)
    assert bias == 0.0
    assert w[1] > 1.0 and abs(w[0]) < 0.5 * w[1] and abs(w[2]) < 0.5 * w[1]
    groups = [(-x, g) for x, g in groups]  # now feature 1 marks the gold passage by being low
    w, _ = fit_listwise(groups, l2=1e-3, nonnegative=True)
    assert np.all(w >= 0) and w[1] == 0.0
