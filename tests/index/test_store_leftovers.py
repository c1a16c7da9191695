"""``NewsIndex.remove_crash_leftovers``: what interrupted saves leave, removed without a model or a save.

The index folder is laid out by hand as crashes leave it; the real kill -9 runs are in
tests/ingest/test_crash_safety.py.
"""

import logging
import os
import subprocess
import sys

import pytest

from newsqa.index.store import NewsIndex

DEAD_PID = 2**22 + 1  # above any pid_max Linux allows: never a running process


def _generation(folder, name, size=1000):
    (folder / name).mkdir()
    (folder / name / "vectors.faiss").write_bytes(b"\0" * size)
    (folder / name / "bm25").mkdir()
    (folder / name / "bm25" / "params.json").write_text("{}")


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture()
def crashed(tmp_path):
    """An index folder whose live generation is gen-000004 (gen-000003 was live before it)."""
    folder = tmp_path / "index"
    folder.mkdir()
    for name in ("gen-000003", "gen-000004"):
        _generation(folder, name)
    (folder / "CURRENT").write_text("gen-000004\n")
    (folder / "ingest.lock").touch()
    return folder


def test_dead_writers_temporary_folders_and_unused_newer_generations_go(crashed, caplog):
    _generation(crashed, f".gen-000009.tmp-{DEAD_PID}", size=5000)  # died while writing
    (crashed / f".CURRENT.tmp-{DEAD_PID}").write_text("gen-000005\n")  # died before the pointer swap
    _generation(crashed, "gen-000005", size=3000)  # renamed into place, never made live
    _generation(crashed, "gen-000007", size=3000)
    with caplog.at_level(logging.WARNING, logger="newsqa.index.store"):
        removed, freed = NewsIndex.remove_crash_leftovers(crashed)
    assert removed == [f".CURRENT.tmp-{DEAD_PID}", f".gen-000009.tmp-{DEAD_PID}", "gen-000005", "gen-000007"]
    assert freed >= 5000 + 3000 + 3000 + len("gen-000005\n")
    assert _names(crashed) == ["CURRENT", "gen-000003", "gen-000004", "ingest.lock"]
    assert (crashed / "gen-000004" / "vectors.faiss").stat().st_size == 1000  # the live one is whole
    assert "gen-000005" in caplog.text and f".gen-000009.tmp-{DEAD_PID}" in caplog.text and "MB freed" in caplog.text


def test_temporary_folders_of_this_process_and_of_running_ones_stay(crashed):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ours, running = f".gen-000005.tmp-{os.getpid()}", f".gen-000006.tmp-{sleeper.pid}"
        _generation(crashed, ours)
        _generation(crashed, running)
        assert NewsIndex.remove_crash_leftovers(crashed) == ([], 0)
        assert {ours, running} <= set(_names(crashed))
    finally:
        sleeper.kill()
        sleeper.wait()


def test_nothing_to_remove_and_no_folder(crashed, tmp_path):
    assert NewsIndex.remove_crash_leftovers(crashed) == ([], 0)
    assert _names(crashed) == ["CURRENT", "gen-000003", "gen-000004", "ingest.lock"]
    assert NewsIndex.remove_crash_leftovers(tmp_path / "missing") == ([], 0)


def test_a_pointer_that_names_no_generation_keeps_every_generation(crashed):
    (crashed / "CURRENT").write_text("not a generation\n")
    _generation(crashed, "gen-000008")
    _generation(crashed, f".gen-000009.tmp-{DEAD_PID}")
    removed, _ = NewsIndex.remove_crash_leftovers(crashed)
    assert removed == [f".gen-000009.tmp-{DEAD_PID}"]
    assert {"gen-000003", "gen-000004", "gen-000008"} <= set(_names(crashed))


def test_without_a_pointer_no_generation_was_ever_live(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    _generation(folder, "gen-000001")  # the first save died between the rename and the swap
    removed, _ = NewsIndex.remove_crash_leftovers(folder)
    assert removed == ["gen-000001"] and _names(folder) == []
