"""Shared machinery for the UI tests: a real tiny index and a real ``newsqa serve``.

The session fixture ``corpus`` writes three tiny articles (Traditional, Simplified, and
one that contains ``<script>alert(1)</script>``) and builds an index with the real
embedding model; ``server_url`` starts ``python -m newsqa.cli serve`` on a free port
over it. ``test_gradio_api.py`` talks to that server with ``gradio_client``,
``test_browser.py`` with a real Chromium; both share one server per test session.

Test files get the constants through fixtures (``ui_articles``, ``serve_env``) rather
than imports: pytest runs with ``--import-mode=importlib``, so a conftest is not an
importable module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsqa.config import Settings

STARTUP_TIMEOUT = 120.0

ARTICLES = {
    "ftz_launch.txt": (
        "上海自貿試驗區掛牌十週年回顧\n\n"
        "2023-09-29 人民網\n\n"
        "2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立。這是中國大陸第一個自由貿易試驗區，"
        "首批涵蓋外高橋保稅區等四個海關特殊監管區域。\n\n"
        "十年來，自貿區在投資、貿易、金融和事中事後監管等方面推出了一批制度創新成果。\n"
    ),
    "ftz_expansion.txt": (
        "上海自贸区扩区方案获批\n\n"
        "2014-12-28 新华网\n\n"
        "全国人大常委会作出决定，上海自贸区扩区前面积为28.78平方公里，扩区后达到120.72平方公里。\n\n"
        "扩区后的自贸区新增了陆家嘴金融片区、金桥开发片区和张江高科技片区。\n"
    ),
    "panda_birthday.txt": (
        "臺北市立動物園為圓仔慶祝生日\n\n"
        "2020-07-06 中央社\n\n"
        "臺北市立動物園今天為大貓熊圓仔舉辦七歲生日會，保育員準備了特製的冰蛋糕。"
        "<script>alert(1)</script>\n\n"
        "園方表示，圓仔的生日會在動物園的新光特展館舉行，吸引大批遊客前往祝賀。\n"
    ),
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


def _wait_until_up(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"newsqa serve exited with code {proc.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"newsqa serve did not answer on {url} within {STARTUP_TIMEOUT:.0f} s:\n{_tail(log_path)}")


@pytest.fixture(scope="session")
def ui_articles() -> dict[str, str]:
    """The three article files (name -> text) that ``corpus`` indexes."""
    return dict(ARTICLES)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, e5_model_dir) -> dict[str, Path | str]:
    """Three articles and an index built from them with the real embedding model."""
    from newsqa.ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("ui_corpus")
    articles = root / "articles"
    articles.mkdir()
    for name, text in ARTICLES.items():
        (articles / name).write_text(text, encoding="utf-8")
    model = str(e5_model_dir) if isinstance(e5_model_dir, (str, os.PathLike)) else None
    settings = Settings.load(index_dir=root / "index", corpus_dir=articles, embedding_model=model)
    report = ingest_paths([articles], settings)
    assert report.ok, report.failed
    assert report.documents_total >= len(ARTICLES), report.summary()
    return {"root": root, "articles": articles, "index": settings.index_path, "model": settings.embedding_model_ref}


def _env(corpus: dict) -> dict[str, str]:
    env = {
        **os.environ,
        "NEWSQA_INDEX_DIR": str(corpus["index"]),
        "NEWSQA_CORPUS_DIR": str(corpus["articles"]),
        "NEWSQA_EMBEDDING_MODEL": str(corpus["model"]),
        "NEWSQA_SERVE_HOST": "127.0.0.1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("GRADIO_SHARE", None)
    return env


@pytest.fixture(scope="session")
def serve_env(corpus: dict) -> dict[str, str]:
    """The environment ``newsqa serve`` runs with (also right for ``newsqa ask``)."""
    return _env(corpus)


@pytest.fixture(scope="session")
def server_url(corpus: dict, serve_env: dict[str, str]) -> Iterator[str]:
    """``newsqa serve`` in a subprocess; yields its URL, stops it afterwards."""
    port = _free_port()
    log_path = corpus["root"] / "serve.log"
    cmd = [sys.executable, "-m", "newsqa.cli", "serve", "--index", str(corpus["index"]), "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, env=serve_env, stdout=log, stderr=subprocess.STDOUT, cwd=corpus["root"])
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
