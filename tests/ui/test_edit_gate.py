"""Who may change the archive (issue 12): upload and delete run only for a logged-in user
or when ``serve_allow_edits`` is on (by default: only when bound to a loopback address),
checked inside the handlers, so an event posted straight to Gradio's queue endpoint is
refused too. Also: files the start-up ingest could not read are listed on the archive tab.

The server tests start real ``newsqa serve --no-build`` processes over a private copy of
the tiny UI index (``private_server`` in conftest.py) and talk to them as any local
process could: ``POST /gradio_api/queue/join`` with the ``fn_index`` of the archive's
delete button found in ``/config``, then the event's result from ``/gradio_api/queue/data``.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest
from newsqa.ui.app import build_app
from newsqa.ui.archive_tab import EDITS_OFF_MESSAGE, render_startup_failures
from newsqa.ui.live import QACore

from newsqa.config import Settings
from newsqa.types import Answer

PANDA = "panda_birthday.txt"
PANDA_QUESTION = "圓仔的生日會在哪裡舉行？"
OFF_HINT = "NEWSQA_SERVE_ALLOW_EDITS=1"


# --------------------------------------------------------------------------- raw Gradio client
def _open(url: str, opener: urllib.request.OpenerDirector | None = None, data: bytes | None = None,
          headers: dict[str, str] | None = None, timeout: float = 30):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    return (opener or urllib.request.build_opener()).open(request, timeout=timeout)


def _config(url: str, opener=None) -> dict[str, Any]:
    with _open(url + "config", opener) as resp:
        return json.loads(resp.read())


def _component(config: dict[str, Any], elem_id: str) -> dict[str, Any]:
    return next(c for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)


def _fn_index(config: dict[str, Any], elem_id: str, event: str) -> int:
    """The ``fn_index`` of the event ``event`` of the component ``elem_id`` (as the page finds it)."""
    target = _component(config, elem_id)["id"]
    for dep in config["dependencies"]:
        if [target, event] in [list(t) for t in dep["targets"]]:
            return dep["id"]
    raise AssertionError(f"no {event} event on #{elem_id}")


def _post_event(url: str, fn_index: int, data: list[Any], opener=None, timeout: float = 120,
                session: str | None = None) -> dict[str, Any]:
    """Run one event through the queue as the page does (in ``session``, else a new one);
    returns its ``process_completed`` message."""
    session = session or uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None}
    with _open(url + "gradio_api/queue/join", opener, json.dumps(body).encode(),
               {"Content-Type": "application/json"}) as resp:
        event_id = json.loads(resp.read())["event_id"]
    with _open(url + f"gradio_api/queue/data?session_hash={session}", opener, timeout=timeout) as stream:
        for raw in stream:
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                return message
    raise AssertionError("the queue stream ended without a result")


def _upload_file(url: str, path: Path, opener=None) -> dict[str, Any]:
    """Put ``path`` into Gradio's upload cache (what the page does before the upload event)."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    with _open(url + "gradio_api/upload", opener, body,
               {"Content-Type": f"multipart/form-data; boundary={boundary}"}) as resp:
        server_path = json.loads(resp.read())[0]
    return {"path": server_path, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def _doc_ids(server: dict[str, Any], env: dict[str, str]) -> set[str]:
    """The document ids in the server's index folder (``newsqa docs list --json``: one object a line)."""
    cmd = [sys.executable, "-m", "newsqa.cli", "docs", "list", "--json", "--index", str(server["index"])]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=server["root"])
    assert done.returncode == 0, done.stderr[-2000:]
    return {json.loads(line)["doc_id"] for line in done.stdout.splitlines() if line.strip()}


def _ask(url: str, question: str, opener=None) -> dict[str, Any]:
    """``/ask`` through the same raw queue (its ``fn_index`` is the ``ask`` API's)."""
    config = _config(url, opener)
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")
    message = _post_event(url, fn_index, [question], opener)
    assert message["success"], message
    return message["output"]["data"][0]


def _cited(answer: dict[str, Any]) -> set[str]:
    return {c["doc_id"] for c in answer["citations"]}


def _delete(url: str, doc_id: str, opener=None) -> dict[str, Any]:
    config = _config(url, opener)
    # Twice in one session, as the page does: the first press only asks (its answer is kept in
    # the session's state, which a client cannot set); the second deletes.
    session, fn_index = uuid.uuid4().hex, _fn_index(config, "nqa-delete", "click")
    first = _post_event(url, fn_index, [[doc_id], "", "", "", "", None], opener, session=session)
    if not first.get("success"):
        return first
    return _post_event(url, fn_index, [[doc_id], "", "", "", "", None], opener, session=session)


def _server_env(serve_env: dict[str, str], server: dict[str, Any]) -> dict[str, str]:
    return {**serve_env, "NEWSQA_INDEX_DIR": str(server["index"]), "NEWSQA_CORPUS_DIR": str(server["articles"])}


# --------------------------------------------------------------------------- real servers
@pytest.mark.slow
def test_raw_delete_and_upload_are_refused_when_edits_are_off(private_server, serve_env, tmp_path: Path) -> None:
    server = private_server(env={"NEWSQA_SERVE_ALLOW_EDITS": "0"})
    url = server["url"]
    config = _config(url)
    # The page says so and does not offer the controls...
    assert _component(config, "nqa-delete")["props"]["interactive"] is False
    assert _component(config, "nqa-upload")["props"]["interactive"] is False
    notice = _component(config, "nqa-edits-off")["props"]
    assert notice["visible"] is True and "NEWSQA&#95;SERVE&#95;ALLOW&#95;EDITS=1" in notice["value"]
    pointer = (Path(server["index"]) / "CURRENT").read_text()

    # ...and a delete posted straight to the queue is refused by the handler.
    message = _delete(url, PANDA)
    assert message["success"] is False, message
    assert OFF_HINT in json.dumps(message["output"], ensure_ascii=False), message
    assert (Path(server["index"]) / "CURRENT").read_text() == pointer  # no new generation
    assert PANDA in _doc_ids(server, _server_env(serve_env, server))
    answer = _ask(url, PANDA_QUESTION)
    assert "新光特展館" in answer["answer"] and PANDA in _cited(answer), answer

    # So is an upload (the file reaches Gradio's cache, never the corpus folder or the index).
    article = tmp_path / "tea.txt"
    article.write_text("西湖龍井茶春茶開採\n\n2024-03-20 新華網\n\n杭州西湖龍井茶今天開採。\n", encoding="utf-8")
    message = _post_event(url, _fn_index(config, "nqa-upload", "upload"), [[_upload_file(url, article)]])
    assert message["success"] is False and OFF_HINT in json.dumps(message["output"], ensure_ascii=False), message
    assert not (Path(server["articles"]) / "uploads").exists()
    assert "refused an archive delete" in Path(server["log"]).read_text(encoding="utf-8")


@pytest.mark.slow
def test_raw_delete_works_when_edits_are_on_by_default_on_loopback(private_server, serve_env) -> None:
    server = private_server()  # 127.0.0.1, no login, serve_allow_edits unset: auto, so on
    url = server["url"]
    config = _config(url)
    assert _component(config, "nqa-delete")["props"].get("interactive") is not False
    assert _component(config, "nqa-edits-off")["props"]["visible"] is False
    message = _delete(url, PANDA)
    assert message["success"] is True, message
    assert f"已刪除 1 篇：{PANDA}" in html.unescape(message["output"]["data"][0])
    assert PANDA not in _doc_ids(server, _server_env(serve_env, server))
    assert PANDA not in _cited(_ask(url, PANDA_QUESTION))


@pytest.mark.slow
def test_a_logged_in_user_may_edit_when_edits_are_off(private_server, serve_env) -> None:
    server = private_server(env={
        "NEWSQA_SERVE_ALLOW_EDITS": "0", "NEWSQA_SERVE_AUTH_USER": "editor", "NEWSQA_SERVE_AUTH_PASSWORD": "s3cret",
    })
    url = server["url"]
    # Without the login Gradio refuses the queue itself.
    body = json.dumps({"data": [[PANDA], ""], "fn_index": 12, "session_hash": "x"}).encode()
    with pytest.raises(urllib.error.HTTPError) as info:
        _open(url + "gradio_api/queue/join", None, body, {"Content-Type": "application/json"})
    assert info.value.code == 401

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login = urllib.parse.urlencode({"username": "editor", "password": "s3cret"}).encode()
    with opener.open(url + "login", data=login, timeout=10) as resp:
        assert resp.status == 200
    config = _config(url, opener)
    assert _component(config, "nqa-delete")["props"].get("interactive") is not False  # every visitor logs in
    message = _delete(url, PANDA, opener)
    assert message["success"] is True, message
    assert PANDA not in _doc_ids(server, _server_env(serve_env, server))


# --------------------------------------------------------------------------- in-process
class _StubQA(QACore):
    def ask(self, question: str) -> Answer:
        return Answer(question=question, answer="好。", abstained=False, citations=[])


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings.load(index_dir=tmp_path / "index", corpus_dir=tmp_path / "articles",
                         feedback_path=tmp_path / "feedback.jsonl", **extra)


def _handler(demo: gr.Blocks, name: str):
    return next(fn.fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") == name)


@pytest.mark.parametrize(("allow", "user", "allowed"), [(False, None, False), (False, "editor", True), (True, None, True)])
def test_handlers_check_the_caller_on_every_call(tmp_path: Path, allow: bool, user: str | None, allowed: bool) -> None:
    demo = build_app(_StubQA(), settings=_settings(tmp_path), allow_edits=allow)
    request = SimpleNamespace(username=user, client=SimpleNamespace(host="127.0.0.1"))
    on_delete, on_upload = _handler(demo, "on_delete"), _handler(demo, "on_upload")
    if allowed:  # past the gate: nothing chosen / nothing uploaded, so nothing happens
        with pytest.warns(UserWarning, match="請先選擇要刪除的文章"):
            on_delete([], "", "", "", "", [], request)
        assert on_upload([], request)[0] is None
        return
    with pytest.raises(gr.Error, match="NEWSQA_SERVE_ALLOW_EDITS=1"):
        on_delete(["a.txt"], "", "", "", "", [], request)
    with pytest.raises(gr.Error, match="NEWSQA_SERVE_ALLOW_EDITS=1"):
        on_upload([str(tmp_path / "x.txt")], request)


def test_build_app_follows_the_setting_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSQA_SERVE_ALLOW_EDITS", raising=False)
    exposed = build_app(_StubQA(), settings=_settings(tmp_path, serve_host="0.0.0.0")).get_config_file()
    local = build_app(_StubQA(), settings=_settings(tmp_path, serve_host="127.0.0.1")).get_config_file()
    assert _component(exposed, "nqa-delete")["props"]["interactive"] is False
    assert _component(exposed, "nqa-edits-off")["props"]["visible"] is True
    assert _component(local, "nqa-delete")["props"].get("interactive") is not False
    assert _component(local, "nqa-edits-off")["props"]["visible"] is False
    # A login opens the page's controls (everyone who sees it has logged in).
    login = _settings(tmp_path, serve_host="0.0.0.0", serve_auth_user="u", serve_auth_password="p")
    assert _component(build_app(_StubQA(), settings=login).get_config_file(), "nqa-delete")["props"].get(
        "interactive") is not False


# --------------------------------------------------------------------------- start-up failures
def test_startup_failures_are_listed_on_the_archive_tab(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    failures = [
        (str(settings.corpus_path / "uploads" / "deep.html"), "RecursionError: maximum recursion depth exceeded"),
        ("feed.jsonl line 7", "invalid JSON: <b>Expecting ','</b>"),
    ]
    config = build_app(_StubQA(), settings=settings, startup_failures=failures).get_config_file()
    box = _component(config, "nqa-startup-failures")["props"]
    assert box["visible"] is True
    assert "2 個檔案無法讀取：" in box["value"]
    assert "<li>uploads/deep.html — RecursionError: maximum recursion depth exceeded</li>" in box["value"]
    assert "feed.jsonl line 7 — invalid JSON: &lt;b&gt;" in box["value"] and "<b>" not in box["value"]

    quiet = build_app(_StubQA(), settings=settings).get_config_file()
    assert _component(quiet, "nqa-startup-failures")["props"]["visible"] is False


def test_serve_passes_startup_failures_to_the_page(tmp_path: Path) -> None:
    import socket

    from newsqa.ui.app import serve

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    failures = [("nested.html", "RecursionError: maximum recursion depth exceeded")]
    demo = serve(_settings(tmp_path), host="127.0.0.1", port=port, block=False, loader=lambda s: _StubQA(),
                 startup_failures=failures)
    try:
        box = _component(_config(f"http://127.0.0.1:{port}/"), "nqa-startup-failures")["props"]
    finally:
        demo.close()
    assert box["visible"] is True and "1 個檔案無法讀取：<ul><li>nested.html — RecursionError" in box["value"]


@pytest.mark.parametrize(("host", "allow", "expected"), [
    ("0.0.0.0", "1", "anyone who can reach the UI may upload and delete"),
    ("0.0.0.0", None, "archive edits (upload, delete) are off"),
    ("127.0.0.1", "0", "archive edits (upload, delete) are off"),
])
def test_serve_logs_who_may_edit(tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
                                 host: str, allow: str | None, expected: str) -> None:
    import logging
    import socket

    from newsqa.ui.app import serve

    monkeypatch.delenv("NEWSQA_SERVE_ALLOW_EDITS", raising=False)
    if allow is not None:
        monkeypatch.setenv("NEWSQA_SERVE_ALLOW_EDITS", allow)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with caplog.at_level(logging.INFO, logger="newsqa.ui.app"):
        demo = serve(_settings(tmp_path), host=host, port=port, block=False, loader=lambda s: _StubQA())
    try:
        assert expected in caplog.text
        config = _config(f"http://127.0.0.1:{port}/")
        assert _component(config, "nqa-delete")["props"]["interactive"] is (allow == "1")
    finally:
        demo.close()


def test_startup_failures_list_is_short() -> None:
    many = [(f"/elsewhere/bad-{i}.txt", "empty file") for i in range(45)]
    shown = render_startup_failures(many)
    assert shown.startswith('<div class="nqa-startup-failures"') and "45 個檔案無法讀取：" in shown
    assert shown.count("<li>") == 21 and "另有 25 個" in shown
    assert "bad-0.txt — empty file" in shown and "/elsewhere" not in shown
    assert render_startup_failures([]) == ""


def test_edits_off_message_says_how_to_turn_them_on() -> None:
    assert OFF_HINT in EDITS_OFF_MESSAGE and "NEWSQA_SERVE_AUTH_USER" in EDITS_OFF_MESSAGE and "登入" in EDITS_OFF_MESSAGE


def test_developer_panels_only_with_ui_debug(tmp_path: Path) -> None:
    """The /ask JSON panel shows with ``ui_debug`` only; the API is served either way."""
    plain = build_app(_StubQA(), settings=_settings(tmp_path)).get_config_file()
    debug = build_app(_StubQA(), settings=_settings(tmp_path, ui_debug=True)).get_config_file()
    assert _component(plain, "nqa-api")["props"]["visible"] is False
    assert _component(debug, "nqa-api")["props"]["visible"] is True
    for config in (plain, debug):
        assert {"ask", "ask_as_of", "ask_within"} <= {d.get("api_name") for d in config["dependencies"]}
