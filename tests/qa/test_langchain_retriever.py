"""The LangChain adapter (``newsqa.qa.langchain_retriever``): docs/langchain.md's example chain, run as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableLambda

from newsqa.config import Settings
from newsqa.ingest.pipeline import ingest_paths

pytestmark = pytest.mark.slow  # embeds with the real model

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "articles" / "000_8cf7c1ad8f2038b8.txt"
DOC = ROOT / "docs" / "langchain.md"


def readme_example() -> str:
    """The Python block of docs/langchain.md (linked from README)."""
    block = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, f"{DOC} has no python block"
    return block.group(1)


def test_the_readme_chain_runs_over_an_index(tmp_path, e5_model_dir, monkeypatch, capsys):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    monkeypatch.setenv("NEWSQA_INDEX_DIR", str(tmp_path / "index"))  # what Settings.load() in the example reads
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(e5_model_dir))
    assert ingest_paths([corpus], Settings.load(corpus_dir=corpus)).ok
    code = readme_example()
    model = re.search(r"^llm = .*$", code, re.M)
    assert model, "the example names its chat model in one line, `llm = …`"
    # No model server here: the stand-in answers with the prompt it was given, so what the
    # chain put in front of the model (the retrieved passages, numbered) is what is printed.
    code = code.replace(model.group(0), "llm = RunnableLambda(lambda prompt: prompt.to_string())")
    exec(compile(code, "docs/langchain.md", "exec"), {"RunnableLambda": RunnableLambda})  # noqa: S102 - our own docs
    printed = capsys.readouterr().out
    assert "問題：上海自貿區是哪一天掛牌的？" in printed
    assert re.search(r"\[1\] .*（2021-01-10）", printed)  # title and date of the first passage
    assert "[3] " in printed and "[4] " not in printed  # k=3
    assert "2013年9月29日" in printed  # the passage that answers it was retrieved
