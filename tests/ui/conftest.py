"""Shared machinery for the UI tests: a real tiny index and a real ``newsqa serve``.

The session fixture ``corpus`` writes four small articles (Traditional, Simplified, one
that contains ``<script>alert(1)</script>``, and one long paragraph that spans several
chunks) and builds an index with the real embedding model; ``server_url`` starts
``python -m newsqa.cli serve`` on a free port over it. ``empty_server`` starts a second
``serve --no-build`` over a folder with no index at all (the archive-tab upload test
uses it); ``private_server`` starts servers with their own copy of the index and extra
environment (the edit-gate tests delete from it). ``test_gradio_api.py`` talks to the servers with ``gradio_client``,
``test_browser.py`` with a real Chromium; both share one server per test session.
Feedback (👍/👎) goes to ``<server root>/feedback.jsonl`` (``feedback_path`` fixture).

Test files get the constants through fixtures (``ui_articles``, ``serve_env``) rather
than imports: pytest runs with ``--import-mode=importlib``, so a conftest is not an
importable module.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import pytest

from newsqa.config import Settings

STARTUP_TIMEOUT = 120.0

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

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
        "臺北市立動物園今天為大貓熊圓仔舉辦七歲生日會，保育員 D'Angelo 準備了特製的冰蛋糕。"
        "<script>alert(1)</script>\n\n"
        "園方表示，圓仔的生日會在動物園的新光特展館舉行，吸引大批遊客前往祝賀。\n"
    ),
    # One paragraph of ~900 characters: the chunker cuts it into several passages, so a
    # cited passage has paragraph text around it (the chip-click test shows that).
    "library_opening.txt": (
        "市立圖書館新總館正式啟用\n\n"
        "2022-04-23 聯合報\n\n"
        "市立圖書館新總館今天上午舉行啟用典禮，市長與數百位市民一同參加了剪綵儀式。"
        "新總館位於河濱公園旁，原址是一座閒置多年的舊紡織廠，改建工程歷時四年才完成。"
        "建築由本地事務所設計，外牆採用大面積玻璃與回收木材，讓自然光可以照進閱覽區。"
        "館方表示，新總館樓高七層，總樓地板面積約為兩萬八千平方公尺，是舊館的三倍大。"
        "一樓設有咖啡館與新書展示區，二樓是期刊與報紙閱覽區，三樓則是多媒體影音中心。"
        "四樓與五樓為一般書庫和自修室，六樓是地方文獻室，七樓設有可以俯瞰河景的屋頂花園。"
        "建築屋頂鋪設了太陽能板，館方估計每年可以供應全館約兩成的用電。"
        "館內的空調系統也改用地下水循環降溫，比傳統冷氣節省三成以上的能源。"
        "交通方面，新總館距離捷運站步行約五分鐘，地下室另有一百五十個汽車停車位。"
        "市府在館前廣場新設了公共自行車站，並規劃一條沿著河岸通往市中心的自行車道。"
        "館方特別設計了無障礙動線，每一層樓都有無障礙廁所，電梯也加裝了語音導覽。"
        "為了保存地方記憶，舊紡織廠的部分紅磚牆與鐵製屋架被保留下來，成為大廳的裝飾。"
        "新總館共有閱覽座位一千二百個，其中兒童閱覽區佔了三百個，並設有哺乳室與親子廁所。"
        "館藏方面，新總館開館時共有圖書六十五萬冊，預計五年內增加到一百萬冊。"
        "館方也引進了自動化書庫與還書分類機器人，讀者歸還的書籍最快十分鐘就能重新上架。"
        "為了服務上班族，新總館平日開放到晚上十點，週末則從上午八點開放到晚上六點。"
        "啟用首月，館方每週六下午都會舉辦作家講座與親子說故事活動，歡迎市民免費參加。"
        "市府表示，舊館將改建為青年創業基地，預計明年年底前完成招商並對外開放。"
        "有市民在典禮後表示，新總館的環境明亮舒適，希望之後能常常帶孩子來這裡看書。\n"
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


def _start_serve(
    index: Path, env: dict[str, str], cwd: Path, log_path: Path, *extra: str
) -> tuple[subprocess.Popen, str]:
    """``python -m newsqa.cli serve`` on a free port; returns the process and its URL once it answers."""
    port = _free_port()
    cmd = [sys.executable, "-m", "newsqa.cli", "serve", "--index", str(index), "--port", str(port), *extra]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc, log_path)
    except BaseException:
        _stop(proc)
        raise
    return proc, url


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


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
    """The article files (name -> text) that ``corpus`` indexes."""
    return dict(ARTICLES)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, e5_model_dir) -> dict[str, Path | str]:
    """The articles and an index built from them with the real embedding model."""
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


def _env(corpus: dict, *, index: Path | None = None, articles: Path | None = None, root: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "NEWSQA_INDEX_DIR": str(index or corpus["index"]),
        "NEWSQA_CORPUS_DIR": str(articles or corpus["articles"]),
        "NEWSQA_FEEDBACK_PATH": str((root or corpus["root"]) / "feedback.jsonl"),
        "NEWSQA_EMBEDDING_MODEL": str(corpus["model"]),
        "NEWSQA_SERVE_HOST": "127.0.0.1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("GRADIO_SHARE", None)
    for name in ("NEWSQA_SERVE_AUTH_USER", "NEWSQA_SERVE_AUTH_PASSWORD", "NEWSQA_CONFIG"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="session")
def serve_env(corpus: dict) -> dict[str, str]:
    """The environment ``newsqa serve`` runs with (also right for ``newsqa ask``)."""
    return _env(corpus)


@pytest.fixture(scope="session")
def feedback_path(corpus: dict) -> Path:
    """Where the ``server_url`` server appends 👍/👎 feedback (``NEWSQA_FEEDBACK_PATH``)."""
    return corpus["root"] / "feedback.jsonl"


@pytest.fixture(scope="session")
def server_url(corpus: dict, serve_env: dict[str, str]) -> Iterator[str]:
    """``newsqa serve`` in a subprocess; yields its URL, stops it afterwards."""
    proc, url = _start_serve(corpus["index"], serve_env, corpus["root"], corpus["root"] / "serve.log")
    try:
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def empty_server(corpus: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path | str]]:
    """``newsqa serve --no-build`` over a folder with no index (and no corpus folder yet).

    Yields ``url``, ``root``, ``index`` (uploads land in ``index/uploads``), ``articles``
    (the corpus folder) and ``feedback`` (its feedback file).
    """
    root = tmp_path_factory.mktemp("ui_empty")
    index, articles = root / "index", root / "articles"
    env = _env(corpus, index=index, articles=articles, root=root)
    proc, url = _start_serve(index, env, root, root / "serve.log", "--no-build")
    try:
        yield {"url": url, "root": root, "index": index, "articles": articles, "feedback": root / "feedback.jsonl"}
    finally:
        _stop(proc)


@pytest.fixture
def private_server(corpus: dict, tmp_path: Path) -> Iterator[Callable[..., dict[str, Path | str]]]:
    """A factory: ``private_server(env={"NEWSQA_…": …}, args=[…])`` starts ``newsqa serve
    --no-build`` over a private copy of the ``corpus`` index and articles (so the test may
    change them) and returns ``url``, ``root``, ``index``, ``articles`` and ``log``. Every
    server it started is stopped after the test."""
    procs: list[subprocess.Popen] = []

    def start(env: dict[str, str] | None = None, args: tuple[str, ...] | list[str] = ()) -> dict[str, Path | str]:
        root = tmp_path / f"server-{len(procs)}"
        index, articles = root / "index", root / "articles"
        shutil.copytree(corpus["index"], index, ignore=shutil.ignore_patterns("ingest.lock"))
        shutil.copytree(corpus["articles"], articles)
        environment = {**_env(corpus, index=index, articles=articles, root=root), **(env or {})}
        log_path = root / "serve.log"
        proc, url = _start_serve(index, environment, root, log_path, "--no-build", *args)
        procs.append(proc)
        return {"url": url, "root": root, "index": index, "articles": articles, "log": log_path}

    try:
        yield start
    finally:
        for proc in procs:
            _stop(proc)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for every browser test (``make browser`` installs it)."""
    from playwright.sync_api import sync_playwright

    if not (CHROMIUM.is_file() and CHROMIUM.stat().st_mode & 0o111):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium; `make test` does it)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_at(browser):
    """A factory: ``page_at(url, width, height, locale="zh-TW")`` opens ``url`` in a fresh
    browser context of that size and language and waits for the question box. After the test every context is
    closed, and the test fails if a page opened a dialog or raised an uncaught error."""
    opened: list[tuple[Any, list[str]]] = []

    def open_page(url: str, width: int = 1280, height: int = 900, locale: str = "zh-TW"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        page = context.new_page()
        page.set_default_timeout(30_000)
        problems: list[str] = []

        def on_dialog(dialog) -> None:
            problems.append(f"dialog {dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.goto(url, wait_until="domcontentloaded")
        page.locator("#nqa-question textarea").wait_for(state="visible")
        opened.append((context, problems))
        return page

    yield open_page
    for context, _ in opened:
        context.close()
    problems = [p for _, found in opened for p in found]
    assert problems == [], problems


@pytest.fixture
def start_serve(corpus: dict) -> Iterator[Callable[..., str]]:
    """A factory: ``start_serve(root, env={…}, args=[…])`` runs ``newsqa serve`` with the
    ``corpus`` environment plus ``env``, its index folder ``root/index`` and its log
    ``root/serve.log``, and returns its URL; every server it started is stopped after the test."""
    procs: list[subprocess.Popen] = []

    def start(root: Path, env: dict[str, str] | None = None, args: tuple[str, ...] | list[str] = ()) -> str:
        root.mkdir(parents=True, exist_ok=True)
        index = root / "index"
        environment = {**_env(corpus, index=index, articles=root / "articles", root=root), **(env or {})}
        proc, url = _start_serve(index, environment, root, root / "serve.log", *args)
        procs.append(proc)
        return url

    try:
        yield start
    finally:
        for proc in procs:
            _stop(proc)
