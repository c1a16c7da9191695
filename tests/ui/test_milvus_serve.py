"""Stateless servers: two ``newsqa serve`` processes with empty working folders answer from one
Milvus archive (a real ``milvus-lite server``), and an ingest from a third process reaches both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client

pytestmark = pytest.mark.slow

NEW_ARTICLE = (
    "颱風杜蘇芮登陸福建\n\n2023-07-28 新華網\n\n"
    "颱風杜蘇芮於2023年7月28日上午在福建晉江沿海登陸，登陸時中心附近最大風力有15級。\n"
)


def _ask(url: str, question: str) -> dict:
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    return client.predict(question, api_name="/ask")


def _seen(result: dict) -> tuple:
    return result["answer"], [(c["doc_id"], c["start"], c["end"]) for c in result["citations"]]


def test_two_servers_share_one_milvus_archive_and_see_a_third_process_ingest(
    corpus, start_serve, milvus_uri, milvus_prefix, tmp_path
):
    milvus = {"NEWSQA_INDEX_BACKEND": "milvus", "NEWSQA_INDEX_MILVUS_URI": milvus_uri,
              "NEWSQA_INDEX_MILVUS_COLLECTION": milvus_prefix}
    writer_env = {**os.environ, **milvus, "NEWSQA_EMBEDDING_MODEL": str(corpus["model"]), "HF_HUB_OFFLINE": "1"}

    def ingest(folder: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "newsqa.cli", "ingest", str(folder), "--index", str(tmp_path / "writer" / "index")],
            env=writer_env, capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr[-2000:]

    ingest(corpus["articles"])
    first = start_serve(tmp_path / "server-a", env=milvus, args=["--no-build"])
    second = start_serve(tmp_path / "server-b", env=milvus, args=["--no-build"])
    for server in ("server-a", "server-b"):  # no index files in the servers' folders
        index_dir = tmp_path / server / "index"
        assert not [p.name for p in index_dir.iterdir() if p.name != "uploads"] if index_dir.exists() else True

    for question in ("上海自貿區是哪一天掛牌的？", "上海自贸区扩区后新增了哪些片区？", "圓仔幾歲了？"):
        answer_a, answer_b = _ask(first, question), _ask(second, question)
        assert _seen(answer_a) == _seen(answer_b), question
        assert not answer_a["abstained"] and answer_a["citations"], question

    before = _ask(first, "杜蘇芮在哪裡登陸？")
    assert "晉江" not in before["answer"]
    news = tmp_path / "news"
    news.mkdir()
    (news / "typhoon.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    ingest(news)  # a third process, on another working folder
    for url in (first, second):  # each sees it on its next question
        after = _ask(url, "杜蘇芮在哪裡登陸？")
        assert "晉江" in after["answer"], after
        assert any(c["doc_id"].endswith("typhoon.txt") for c in after["citations"])
