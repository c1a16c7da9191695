from newsqa.index.bm25 import BM25Index
from newsqa.script import fold


def test_bm25_ranks_the_matching_text_first_across_scripts(tmp_path):
    texts = [fold(t) for t in ["河北自貿試驗區吸引外資", "2013年9月29日上海自貿區掛牌", "浙江自貿試驗區擴區"]]
    index = BM25Index()
    index.build(texts)
    assert index.search(fold("上海自贸区哪一天挂牌"), k=3)[0][0] == 1
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.search(fold("河北自贸区"), k=1)[0][0] == 0
    assert loaded.search(fold("完全无关的内容"), k=3) == []


def test_idf_is_high_for_rare_and_missing_tokens():
    index = BM25Index()
    index.build([fold(t) for t in ["上海自貿區", "上海浦東", "上海臨港"]])
    weights = index.idf(["上海", "浦东", "火星"])
    assert weights["上海"] < weights["浦东"] < weights["火星"]
