import pytest

from newsqa.index.fusion import reciprocal_rank_fusion


def test_items_found_by_both_lists_rise():
    fused = reciprocal_rank_fusion([[(1, 0.9), (2, 0.8)], [(2, 10.0), (3, 5.0)]], rrf_k=60)
    assert [item for item, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_weights_and_zero_weight():
    fused = reciprocal_rank_fusion([[(1, 0.9)], [(2, 1.0)]], weights=[2.0, 0.0])
    assert [item for item, _ in fused] == [1]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[(1, 0.9)]], weights=[1.0, 1.0])
