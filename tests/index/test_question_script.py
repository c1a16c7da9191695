"""The question reaches the encoder in the script the archive's passages are written in
(``NewsIndex.passage_script``): e5 embeds 杜蘇芮颱風 and 杜苏芮台风 apart, so a Traditional
question over Simplified news found its passage less often than the same question in
Simplified (news eval: hit@1 0.943 against 0.962 for the same questions converted).
A recording encoder stands in for the model."""

import numpy as np
import pytest

from newsqa.index.chunker import SentenceChunker
from newsqa.index.store import NewsIndex
from newsqa.types import Document


class RecordingEmbedder:
    """Character-count vectors; remembers what it was asked to embed as a question."""

    dimension = 64

    def __init__(self):
        self.questions: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for ch in text:
            v[ord(ch) % self.dimension] += 1.0
        return v / (np.linalg.norm(v) or 1.0)

    def embed_passages(self, texts, show_progress=False):
        return np.vstack([self._vector(t) for t in texts])

    def embed_query(self, text):
        self.questions.append(text)
        return self._vector(text)


def index_of(tmp_path, texts):
    embedder = RecordingEmbedder()
    index = NewsIndex.create(tmp_path / "index", embedder, SentenceChunker(max_chars=200, overlap=0, min_chars=10))
    index.upsert([Document(doc_id=f"{i}.txt", title="", text=t) for i, t in enumerate(texts)])
    return index, embedder


SIMPLIFIED = ["第5号台风杜苏芮28日在福建省晋江市沿海登陆，登陆时中心附近最大风力有15级。",
              "上海自贸区于2013年9月29日挂牌，挂牌之初的面积为28.78平方公里。"]
TRADITIONAL = ["第5號颱風杜蘇芮28日在福建省晉江市沿海登陸，登陸時中心附近最大風力有15級。",
               "上海自貿區於2013年9月29日掛牌，掛牌之初的面積為28.78平方公里。"]


@pytest.mark.parametrize(
    "texts, question, asked",
    [
        (SIMPLIFIED, "杜蘇芮颱風在哪裡登陸？", "杜苏芮台风在哪里登陆？"),
        (SIMPLIFIED, "杜苏芮台风在哪里登陆？", "杜苏芮台风在哪里登陆？"),
        (TRADITIONAL, "杜苏芮台风在哪里登陆？", "杜蘇芮颱風在哪裡登陸？"),
        (TRADITIONAL, "杜蘇芮颱風在哪裡登陸？", "杜蘇芮颱風在哪裡登陸？"),
    ],
)
def test_the_question_is_embedded_in_the_passages_script(tmp_path, texts, question, asked):
    index, embedder = index_of(tmp_path, texts)
    assert index.passage_script == ("hans" if texts is SIMPLIFIED else "hant")
    found = index.search_candidates(question, dense_depth=2, bm25_depth=2)
    assert embedder.questions == [asked]
    assert found and found[0].dense_rank == 1


def test_the_passages_script_follows_the_archive(tmp_path):
    index, _ = index_of(tmp_path, SIMPLIFIED)
    assert index.passage_script == "hans"
    more = ["臺灣高速鐵路於2007年1月5日通車營運，全長約350公里。", "故宮南部院區位於嘉義縣太保市，於2015年開館。",
            "高雄港是臺灣最大的國際商港，擁有兩個港口出入口。"]
    index.upsert([Document(doc_id=f"t{i}.txt", title="", text=t) for i, t in enumerate(more)])
    assert index.passage_script == "hant"  # most passages are Traditional now
    index.delete(["t0.txt", "t1.txt"])
    assert index.passage_script == "hans"
