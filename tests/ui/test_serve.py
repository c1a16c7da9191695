"""``newsqa.ui.app.serve`` in-process with a stub pipeline (no model): basic auth from the
settings, the bind-address warning, starting without an index."""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from newsqa.ui.app import _auth, serve
from newsqa.ui.live import QACore

from newsqa.config import Settings
from newsqa.types import Answer


class _StubQA(QACore):
    def ask(self, question: str) -> Answer:
        return Answer(question=question, answer="好。", abstained=False, citations=[])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settings(tmp_path: Path, **extra) -> Settings:
    return Settings.load(index_dir=tmp_path / "index", corpus_dir=tmp_path / "articles",
                         feedback_path=tmp_path / "feedback.jsonl", **extra)


def test_auth_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _auth(_settings(tmp_path)) is None
    monkeypatch.setenv("NEWSQA_SERVE_AUTH_USER", "editor")
    monkeypatch.setenv("NEWSQA_SERVE_AUTH_PASSWORD", "s3cret")
    settings = _settings(tmp_path)
    assert _auth(settings) == ("editor", "s3cret")
    assert "s3cret" not in repr(settings)  # the password is a SecretStr
    monkeypatch.delenv("NEWSQA_SERVE_AUTH_PASSWORD")
    with pytest.raises(ValueError, match="set together"):
        _settings(tmp_path)


def test_served_page_asks_for_the_login(tmp_path: Path) -> None:
    settings = _settings(tmp_path, serve_auth_user="editor", serve_auth_password="s3cret")
    port = _free_port()
    demo = serve(settings, host="127.0.0.1", port=port, block=False, loader=lambda s: _StubQA())
    base = f"http://127.0.0.1:{port}"
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{base}/config", timeout=10)
        assert info.value.code == 401

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        wrong = urllib.parse.urlencode({"username": "editor", "password": "nope"}).encode()
        with pytest.raises(urllib.error.HTTPError):
            opener.open(f"{base}/login", data=wrong, timeout=10)
        right = urllib.parse.urlencode({"username": "editor", "password": "s3cret"}).encode()
        with opener.open(f"{base}/login", data=right, timeout=10) as resp:
            assert resp.status == 200
        with opener.open(f"{base}/config", timeout=10) as resp:
            config = json.loads(resp.read())
        assert config["title"] == "newsqa"
    finally:
        demo.close()


def test_serve_without_an_index_starts_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from newsqa.index.store import IndexNotFoundError

    def no_index(settings):
        raise IndexNotFoundError(f"no index at {settings.index_path}")

    port = _free_port()
    with caplog.at_level(logging.WARNING, logger="newsqa.ui.app"):
        demo = serve(_settings(tmp_path), host="0.0.0.0", port=port, block=False, loader=no_index)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=10) as resp:
            assert resp.status == 200
        assert "the UI starts empty" in caplog.text
        assert "reachable from other machines" in caplog.text and "no authentication" in caplog.text
    finally:
        demo.close()
