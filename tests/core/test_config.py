import pytest
from pydantic import ValidationError

from newsqa.config import Settings


def test_defaults_resolve_under_the_project_home(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSQA_HOME", str(tmp_path))
    monkeypatch.delenv("NEWSQA_CONFIG", raising=False)
    settings = Settings.load()
    assert settings.index_path == tmp_path / "var" / "index"
    assert settings.retrieval_top_k == 5


def test_env_overrides_toml_and_arguments_override_env(monkeypatch, tmp_path):
    toml = tmp_path / "newsqa.toml"
    toml.write_text('[retrieval]\ntop_k = 7\nrrf_k = 30\n[answer]\ngenerator = "extractive"\n')
    monkeypatch.setenv("NEWSQA_CONFIG", str(toml))
    settings = Settings.load()
    assert (settings.retrieval_top_k, settings.retrieval_rrf_k) == (7, 30)
    monkeypatch.setenv("NEWSQA_RETRIEVAL_TOP_K", "9")
    assert Settings.load().retrieval_top_k == 9
    assert Settings.load(retrieval_top_k=3).retrieval_top_k == 3
    assert Settings.load(index_dir="/tmp/x").index_path.as_posix() == "/tmp/x"


def test_unknown_toml_keys_and_bad_values_are_refused(monkeypatch, tmp_path):
    toml = tmp_path / "bad.toml"
    toml.write_text("[retrieval]\ntopk = 7\n")
    monkeypatch.setenv("NEWSQA_CONFIG", str(toml))
    with pytest.raises(ValueError, match="retrieval_topk"):
        Settings.load()
    monkeypatch.delenv("NEWSQA_CONFIG")
    with pytest.raises(ValidationError):
        Settings.load(chunk_size=100, chunk_overlap=80)
    with pytest.raises(ValidationError):
        Settings.load(answer_generator="gpt")


def test_missing_config_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSQA_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError):
        Settings.load()
