"""Score fusion, the fusion dispatcher and fusion of first-stage candidates (no model)."""

import pytest

from newsqa.index.fusion import (
    Candidate,
    fuse,
    fuse_candidates,
    min_max,
    reciprocal_rank_fusion,
    score_fusion,
    to_retrieved,
)
from newsqa.types import Chunk, Document


def test_min_max_scales_each_list_to_unit_range():
    assert min_max([(1, 0.9), (2, 0.7), (3, 0.5)]) == pytest.approx({1: 1.0, 2: 0.5, 3: 0.0})
    assert min_max([(4, 3.0)]) == {4: 1.0}
    assert min_max([(4, 2.0), (5, 2.0)]) == {4: 1.0, 5: 1.0}
    assert min_max([]) == {}


def test_a_clear_winner_of_one_retriever_is_not_dragged_down():
    # BM25 is sure about 1 (score far above the rest); dense puts it 5th of 5, close to the others.
    dense = [(2, 0.90), (3, 0.89), (4, 0.88), (5, 0.87), (1, 0.86)]
    bm25 = [(1, 30.0), (3, 9.0), (2, 8.0), (6, 7.0)]
    assert score_fusion([dense, bm25], weights=[1.0, 2.0])[0][0] == 1
    # Rank fusion only sees ranks: 2 (1st and 3rd) and 3 (2nd and 2nd) beat 1 (5th and 1st).
    assert [i for i, _ in reciprocal_rank_fusion([dense, bm25], rrf_k=60)][:3] == [2, 3, 1]


def test_score_fusion_weights_missing_items_and_ties():
    fused = score_fusion([[(7, 0.9), (3, 0.8)], [(3, 12.0), (5, 2.0)]], weights=[1.0, 1.0])
    assert fused == [(7, 1.0), (3, 1.0), (5, 0.0)]  # ties keep first-seen order
    assert [i for i, _ in score_fusion([[(1, 1.0), (2, 0.0)], [(2, 1.0), (1, 0.0)]], weights=[1.0, 3.0])] == [2, 1]
    assert score_fusion([[(1, 0.9)], [(2, 1.0)]], weights=[1.0, 0.0]) == [(1, 1.0)]
    with pytest.raises(ValueError):
        score_fusion([[(1, 0.9)]], weights=[1.0, 1.0])
    with pytest.raises(ValueError):
        score_fusion([[(1, 0.9)]], weights=[-1.0])


def test_fuse_dispatches_by_kind():
    lists = [[(1, 0.9), (2, 0.8)], [(2, 5.0)]]
    assert fuse("rrf", lists, rrf_k=60) == reciprocal_rank_fusion(lists, rrf_k=60)
    assert fuse("score", lists) == score_fusion(lists)
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse("borda", lists)


def _cand(vid, dense=None, bm25=None):
    doc = Document(doc_id=f"d{vid}", title=f"t{vid}", text="x" * 10)
    chunk = Chunk(f"c{vid}", doc.doc_id, 0, doc.text, 0, 10, doc.text)
    cand = Candidate(vid, chunk, doc, doc.text)
    if dense is not None:
        cand.dense_rank, cand.dense_score = dense
    if bm25 is not None:
        cand.bm25_rank, cand.bm25_score = bm25
    return cand


def test_fuse_candidates_orders_and_scores_candidates():
    cands = [_cand(1, dense=(1, 0.9)), _cand(2, dense=(2, 0.8), bm25=(2, 3.0)), _cand(3, bm25=(1, 9.0))]
    cands[2].dense_score = 0.5  # a cosine is known for BM25-only candidates; it is not a dense rank
    fused = fuse_candidates(cands, "score", dense_weight=1.0, bm25_weight=2.0)
    assert [c.vid for c in fused] == [3, 1, 2]
    assert [c.fused for c in fused] == pytest.approx([2.0, 1.0, 0.0])
    by_rrf = fuse_candidates(cands, "rrf", rrf_k=60)
    assert by_rrf[0].vid == 2 and by_rrf[0].fused == pytest.approx(1 / 62 + 1 / 62)
    assert [c.vid for c in fuse_candidates(cands, "score", bm25_weight=0.0)] == [1, 2]


def test_to_retrieved_keeps_both_retrievers_view():
    hit = to_retrieved(_cand(4, dense=(3, 0.7), bm25=(1, 8.0)), 1.25)
    assert (hit.score, hit.dense_rank, hit.dense_score, hit.bm25_rank, hit.bm25_score) == (1.25, 3, 0.7, 1, 8.0)
    assert hit.chunk.chunk_id == "c4" and hit.document.doc_id == "d4"
