from newsqa.index.bm25 import BM25Index, bigram_tokens, query_tokens
from newsqa.script import fold


def test_bigrams_of_cjk_runs_and_whole_latin_words():
    assert bigram_tokens("上海自贸区 2013年 abc") == ["上海", "海自", "自贸", "贸区", "2013", "年", "abc"]


def test_question_words_are_dropped_from_queries():
    tokens = query_tokens(fold("上海自貿區是哪一天掛牌的？"))
    assert "哪一" not in tokens and "一天" not in tokens
    assert "挂牌" in tokens and "自贸" in tokens
    assert query_tokens("什么") == ["什么"]  # nothing but question words: keep them


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
