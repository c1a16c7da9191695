"""The Gradio app end to end: a real ``newsqa serve`` process over a real tiny index.

The ``corpus`` and ``server_url`` fixtures (tests/ui/conftest.py, shared with the
browser test) write three tiny articles (Traditional, Simplified, and one that
contains ``<script>alert(1)</script>``), build an index with the real embedding
model and start ``python -m newsqa.cli serve`` on a free port; this file talks to it
with ``gradio_client`` exactly as a user script would. The HTML renderers are checked on
the side (no browser needed) for escaping.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from newsqa.script import detect_script  # noqa: E402
from newsqa.types import Citation  # noqa: E402

CONTRACT_KEYS = {"question", "answer", "abstained", "citations", "latency_ms"}
CITATION_KEYS = {"n", "doc_id", "title", "date", "source", "text", "start", "end", "score"}


def _client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


@pytest.fixture(scope="module")
def client(server_url: str) -> Client:
    return _client(server_url)


def _check_contract(result: object) -> dict:
    assert isinstance(result, dict), type(result)
    assert set(result) == CONTRACT_KEYS, sorted(result)
    assert isinstance(result["answer"], str)
    assert isinstance(result["abstained"], bool)
    assert isinstance(result["latency_ms"], (int, float)) and result["latency_ms"] >= 0
    for i, citation in enumerate(result["citations"], start=1):
        assert CITATION_KEYS <= set(citation), sorted(citation)
        assert citation["n"] == i
        assert 0 <= citation["start"] <= citation["end"]
    return result


def _cited_files(result: dict) -> set[str]:
    """The article files of the citations that the answer text actually marks."""
    marked = {c["doc_id"] for c in result["citations"] if f"[{c['n']}]" in result["answer"]}
    return {Path(doc_id.split("#")[0]).name for doc_id in marked}


# --------------------------------------------------------------------------- API
def test_api_lists_only_the_ask_endpoints(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert sorted(endpoints) == ["/ask", "/ask_as_of", "/ask_within"]
    names = {name: [p["parameter_name"] for p in e["parameters"]] for name, e in endpoints.items()}
    assert names["/ask"] == ["question"]  # the question alone: raw posts of one value work
    assert names["/ask_as_of"] == ["question", "as_of"]
    assert names["/ask_within"] == ["question", "as_of", "since", "until"]


def test_ask_traditional_returns_contract_with_right_citation(client: Client) -> None:
    question = "上海自貿區是哪一天掛牌的？"
    result = _check_contract(client.predict(question, api_name="/ask"))
    assert result["question"] == question
    assert result["abstained"] is False
    assert "9月29日" in result["answer"], result["answer"]
    assert "[1]" in result["answer"] or "[2]" in result["answer"], result["answer"]
    assert "ftz_launch.txt" in _cited_files(result), result["citations"]
    launch = next(c for c in result["citations"] if Path(c["doc_id"].split("#")[0]).name == "ftz_launch.txt")
    assert launch["title"] == "上海自貿試驗區掛牌十週年回顧"
    assert launch["date"] == "2023-09-29"
    assert launch["source"] == "人民網"
    assert "2013年9月29日" in launch["text"]


def test_simplified_question_answered_in_simplified(client: Client) -> None:
    question = "上海自贸区扩区前面积多大？"
    result = _check_contract(client.predict(question, api_name="/ask"))
    assert result["abstained"] is False
    assert "28.78" in result["answer"], result["answer"]
    assert "ftz_expansion.txt" in _cited_files(result), result["citations"]
    assert detect_script(result["answer"], default="hans") == "hans", result["answer"]


def test_article_text_is_returned_verbatim(client: Client) -> None:
    result = _check_contract(client.predict("圓仔的生日會在哪裡舉行？", api_name="/ask"))
    assert result["abstained"] is False
    assert "新光特展館" in result["answer"], result["answer"]
    assert "panda_birthday.txt" in _cited_files(result), result["citations"]
    texts = "".join(c["text"] for c in result["citations"])
    if "script" in texts:  # the JSON keeps the article as written; escaping is the page's job
        assert "<script>alert(1)</script>" in texts


def test_api_returns_exactly_the_cli_json(client: Client, corpus: dict, serve_env: dict[str, str]) -> None:
    question = "上海自贸区扩区前面积多大？"
    cmd = [sys.executable, "-m", "newsqa.cli", "ask", "--json", "--index", str(corpus["index"]), question]
    done = subprocess.run(cmd, env=serve_env, capture_output=True, text=True, timeout=180, cwd=corpus["root"])
    assert done.returncode == 0, done.stderr[-2000:]
    from_cli = json.loads(done.stdout)
    from_api = client.predict(question, api_name="/ask")
    assert set(from_api) == set(from_cli)
    from_cli.pop("latency_ms"), from_api.pop("latency_ms")
    assert from_api == from_cli


def test_api_as_of_is_the_cli_as_of(client: Client, corpus: dict, serve_env: dict[str, str]) -> None:
    """``as_of`` (the second input of /ask_as_of) reaches the pipeline as ``newsqa ask --as-of`` does."""
    question = "去年上海自贸区有什么新闻？"
    answers = {}
    for as_of in ("2015-03-01", "2024-03-01"):  # 去年: 2014 (the expansion) or 2023 (the tenth anniversary)
        cmd = [sys.executable, "-m", "newsqa.cli", "ask", "--json", "--index", str(corpus["index"]),
               "--as-of", as_of, question]
        done = subprocess.run(cmd, env=serve_env, capture_output=True, text=True, timeout=180, cwd=corpus["root"])
        assert done.returncode == 0, done.stderr[-2000:]
        from_cli = json.loads(done.stdout)
        from_api = _check_contract(client.predict(question, as_of, api_name="/ask_as_of"))
        from_cli.pop("latency_ms"), from_api.pop("latency_ms")
        assert from_api == from_cli
        answers[as_of] = from_api
    assert answers["2015-03-01"] != answers["2024-03-01"]


def test_a_bad_as_of_is_a_clear_error(client: Client) -> None:
    with pytest.raises(AppError) as info:
        client.predict("上海自贸区扩区前面积多大？", "2024-13-01", api_name="/ask_as_of")
    assert "no such date" in str(info.value)
    with pytest.raises(AppError) as info:
        client.predict("上海自贸区扩区前面积多大？", "not-a-date", api_name="/ask_as_of")
    assert "'not-a-date'" in str(info.value) and "&#x27;" not in str(info.value)  # text, not HTML


def _all_cited(result: dict) -> list[tuple[str, str]]:
    """(file, date) of every citation, marked in the text or not."""
    return [(Path(c["doc_id"].split("#")[0]).name, c["date"] or "") for c in result["citations"]]


def test_ask_within_never_cites_an_article_outside_the_range(client: Client) -> None:
    question = "上海自貿區是哪一天掛牌的？"
    plain = _check_contract(client.predict(question, api_name="/ask"))
    assert "ftz_launch.txt" in _cited_files(plain)  # the answer comes from the 2023 article ...
    unlimited = _check_contract(client.predict(question, "", "", "", api_name="/ask_within"))
    plain.pop("latency_ms"), unlimited.pop("latency_ms")
    assert unlimited == plain  # (empty fields limit nothing)

    before = _check_contract(client.predict(question, "", "", "2022-12-31", api_name="/ask_within"))
    cited = _all_cited(before)  # ... which is never cited when the range ends before it
    assert all(name != "ftz_launch.txt" and date and date <= "2022-12-31" for name, date in cited), cited
    assert "2013年9月29日" not in before["answer"], before["answer"]

    after = _check_contract(client.predict(question, "", "2023-01-01", "2023-12-31", api_name="/ask_within"))
    assert "ftz_launch.txt" in _cited_files(after)
    assert all("2023-01-01" <= date <= "2023-12-31" for _, date in _all_cited(after)), after["citations"]


@pytest.mark.parametrize(
    ("dates", "says"),
    [(("", "", "2024-13-01"), "until: no such date: '2024-13-01'"),
     (("", "yesterday", ""), "since: not a date in the form YYYY-MM-DD: 'yesterday'"),
     (("", "2024-05-01", "2023-05-01"), "since: the range ends before it starts"),
     (("2024-02-30", "", ""), "as_of: no such date")],
)
def test_a_bad_date_in_ask_within_is_a_clear_error(client: Client, dates: tuple[str, str, str], says: str) -> None:
    with pytest.raises(AppError) as info:
        client.predict("上海自贸区扩区前面积多大？", *dates, api_name="/ask_within")
    assert says in str(info.value) and "&#x27;" not in str(info.value), str(info.value)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_a_clear_error(client: Client, question: str) -> None:
    with pytest.raises(AppError) as info:
        client.predict(question, api_name="/ask")
    message = str(info.value)
    assert "問題" in message or "问题" in message or "empty" in message.lower(), message


def test_server_survives_an_error(client: Client) -> None:
    with pytest.raises(AppError):
        client.predict("", api_name="/ask")
    result = _check_contract(client.predict("上海自贸区扩区前面积多大？", api_name="/ask"))
    assert "28.78" in result["answer"]


def test_four_concurrent_clients_all_answered(server_url: str) -> None:
    questions = [
        ("上海自貿區是哪一天掛牌的？", "9月29日"),
        ("上海自贸区扩区前面积多大？", "28.78"),
        ("圓仔的生日會在哪裡舉行？", "新光特展館"),
        ("上海自贸区扩区后面积多大？", "120.72"),
    ]
    barrier = threading.Barrier(len(questions))

    def run(item: tuple[str, str]) -> tuple[str, dict]:
        question, _ = item
        client = _client(server_url)
        barrier.wait(timeout=60)
        return question, client.predict(question, api_name="/ask")

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        results = list(pool.map(run, questions, timeout=180))
    for (question, expected), (asked, result) in zip(questions, results):
        _check_contract(result)
        assert result["question"] == asked == question
        assert result["abstained"] is False, result
        assert expected in result["answer"], (question, result["answer"])


REINDEX_ARTICLES = {
    f"metro_{i:02d}.txt": (
        f"{city}地鐵{line}號線全線通車\n\n2023-{month:02d}-15 新華網\n\n"
        f"{city}地鐵{line}號線今天全線通車，線路全長{length}公里，共設車站{stations}座。"
        f"{city}地鐵{line}號線採用全自動無人駕駛系統，最高時速為一百公里。\n"
    )
    for i, (city, line, length, stations, month) in enumerate(
        [
            ("成都", 30, "35.2", 29, 1), ("重慶", 27, "53.5", 18, 2), ("蘇州", 11, "41.3", 28, 3),
            ("長沙", 10, "24.6", 20, 4), ("合肥", 8, "29.1", 22, 5), ("南寧", 6, "27.8", 19, 6),
            ("昆明", 9, "33.4", 25, 7), ("福州", 12, "38.7", 27, 8), ("濟南", 7, "31.9", 23, 9),
            ("貴陽", 5, "26.5", 21, 10), ("南昌", 4, "30.8", 24, 11), ("瀋陽", 13, "44.2", 31, 12),
        ],
        start=1,
    )
}


def test_eight_concurrent_clients_while_the_index_is_rebuilt(server_url: str, corpus: dict, tmp_path: Path) -> None:
    """Eight clients keep asking /ask while new articles are ingested into the server's
    index folder (through the Python API): every request is answered correctly, none
    fails, and once the new generation is live the server answers from it."""
    from newsqa.config import Settings
    from newsqa.ingest.pipeline import ingest_paths

    questions = [
        ("上海自貿區是哪一天掛牌的？", "9月29日"),
        ("上海自贸区扩区前面积多大？", "28.78"),
        ("圓仔的生日會在哪裡舉行？", "新光特展館"),
        ("上海自贸区扩区后面积多大？", "120.72"),
        ("新總館共有多少個閱覽座位？", "一千二百個"),
        ("保育員為圓仔準備了什麼？", "冰蛋糕"),
        ("上海自贸区是哪一天挂牌的？", "9月29日"),
        ("新總館距離捷運站步行多久？", "五分鐘"),
    ]
    extra = tmp_path / "reindex"
    extra.mkdir()
    for name, text in REINDEX_ARTICLES.items():
        (extra / name).write_text(text, encoding="utf-8")
    settings = Settings.load(index_dir=corpus["index"], corpus_dir=corpus["articles"], embedding_model=corpus["model"])

    clients = [_client(server_url) for _ in questions]  # connect first: the test is about /ask
    ingest_done = threading.Event()
    barrier = threading.Barrier(len(questions) + 1)
    report_box: dict = {}

    def reindex() -> None:
        try:
            barrier.wait(timeout=60)
            report_box["report"] = ingest_paths([extra], settings)
        finally:
            report_box["finished"] = time.monotonic()
            ingest_done.set()

    def ask_until_reindexed(i: int) -> list[tuple[str, dict, float, float]]:
        question, _ = questions[i]
        barrier.wait(timeout=60)
        results = []
        while len(results) < 2 or (not ingest_done.is_set() and len(results) < 40):
            started = time.monotonic()
            result = clients[i].predict(question, api_name="/ask")
            results.append((question, result, started, time.monotonic()))
        return results

    with ThreadPoolExecutor(max_workers=len(questions) + 1) as pool:
        indexing = pool.submit(reindex)
        asking = [pool.submit(ask_until_reindexed, i) for i in range(len(questions))]
        answered = [item for future in asking for item in future.result(timeout=600)]
        indexing.result(timeout=600)

    report = report_box["report"]
    assert report.ok and len(report.added) == len(REINDEX_ARTICLES), report.summary()
    expected = dict(questions)
    for question, result, _, _ in answered:
        _check_contract(result)
        assert result["question"] == question
        assert result["abstained"] is False, (question, result)
        assert expected[question] in result["answer"], (question, result["answer"])
    assert len(answered) >= 2 * len(questions)
    during = [a for a in answered if a[2] < report_box["finished"]]
    assert during, "no request ran while the index was being rebuilt"

    # The server switched to the new generation by itself.
    result = _check_contract(clients[0].predict("成都地鐵30號線全長多少公里？", api_name="/ask"))
    assert "35.2" in result["answer"], result["answer"]
    assert "metro_01.txt" in _cited_files(result), result["citations"]


def test_page_is_served(server_url: str) -> None:
    with urllib.request.urlopen(server_url, timeout=10) as resp:
        page = resp.read().decode("utf-8", errors="replace")
    assert "<title>newsqa</title>" in page or "newsqa" in page


# --------------------------------------------------------------------------- rendering
def test_sources_panel_escapes_article_text_and_marks_the_sentence(ui_articles: dict[str, str]) -> None:
    from newsqa.ui.render import render_sources

    text = ui_articles["panda_birthday.txt"].split("\n\n", 2)[2]
    sentence = "園方表示，圓仔的生日會在動物園的新光特展館舉行，吸引大批遊客前往祝賀。"
    start = text.index(sentence)
    citation = Citation(
        n=1, doc_id="panda_birthday.txt", title="<b>圓仔</b>", date="2020-07-06", source="中央社<i>",
        text=text, start=0, end=len(text), score=0.5,
        highlight_start=start, highlight_end=start + len(sentence),
    )
    html_out = render_sources([citation])
    assert "<script" not in html_out and "<b>" not in html_out and "<i>" not in html_out
    assert "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;" in html_out
    assert f"<mark>{sentence}</mark>" in html_out
    assert "[1]" in html_out and "2020-07-06" in html_out


def test_answer_rendering_escapes_and_turns_markers_into_chips() -> None:
    from newsqa.ui.render import clauses, render_answer

    rendered = render_answer("<script>alert(1)</script> 在新光特展館[1]，*不是*別處[2]。")
    assert "<script" not in rendered
    assert "&lt;script&gt;" in rendered
    assert rendered.count('class="nqa-cite"') == 2
    assert "[1]" not in rendered and "*" not in rendered
    assert "".join(clauses("甲[1]，乙。丙[2]")) == "甲[1]，乙。丙[2]"
    assert clauses("甲[1]，乙。丙[2]")[0] == "甲[1]，"
