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


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
        ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.20", False), ("newsqa.example.org", False),
    ],
)
def test_archive_edits_default_to_on_only_on_loopback(monkeypatch, host, allowed):
    monkeypatch.delenv("NEWSQA_CONFIG", raising=False)
    monkeypatch.delenv("NEWSQA_SERVE_ALLOW_EDITS", raising=False)
    settings = Settings.load(serve_host=host)
    assert settings.serve_allow_edits is None
    assert settings.edits_allowed() is allowed
    # A --host given on the command line counts, not the setting it overrides.
    assert Settings.load(serve_host="0.0.0.0").edits_allowed(host) is allowed


def test_archive_edits_setting_overrides_the_auto_rule(monkeypatch):
    monkeypatch.delenv("NEWSQA_CONFIG", raising=False)
    monkeypatch.setenv("NEWSQA_SERVE_ALLOW_EDITS", "1")
    assert Settings.load(serve_host="0.0.0.0").edits_allowed() is True
    monkeypatch.setenv("NEWSQA_SERVE_ALLOW_EDITS", "0")
    assert Settings.load(serve_host="127.0.0.1").edits_allowed() is False
    monkeypatch.setenv("NEWSQA_SERVE_ALLOW_EDITS", "auto")
    assert Settings.load(serve_host="127.0.0.1").serve_allow_edits is None
    monkeypatch.setenv("NEWSQA_SERVE_ALLOW_EDITS", "sometimes")
    with pytest.raises(ValidationError):
        Settings.load()
