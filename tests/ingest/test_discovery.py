"""File discovery (recursion, suffixes, hidden files, symlinks and their loops, permissions)
and load_documents' reporting of every problem."""

import json
import logging
import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from newsqa.config import Settings
from newsqa.ingest.loaders import load_file
from newsqa.ingest.pipeline import IngestReport, load_documents
from newsqa.ingest.readers import IngestError, iter_article_files

ARTICLE = "標題\n2021-01-10 人民網\n\n正文第一句。\n"


def _tree(root: Path) -> None:
    (root / "a" / "deep").mkdir(parents=True)
    (root / "a" / "one.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "a" / "deep" / "two.md").write_text("# 二\n\n正文二。\n", encoding="utf-8")
    (root / "three.html").write_text("<p>正文三。</p>", encoding="utf-8")
    (root / "four.JSON").write_text('{"title": "四", "text": "正文四。"}', encoding="utf-8")
    (root / "five.jsonl").write_text('{"title": "五", "text": "正文五。"}\n', encoding="utf-8")
    (root / "six.htm").write_text("<p>正文六。</p>", encoding="utf-8")
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "notes.docx").write_bytes(b"PK\x03\x04")
    (root / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "x.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "a" / ".cache").mkdir()
    (root / "a" / ".cache" / "y.md").write_text("# y\n\nz\n", encoding="utf-8")


def _names(found, root):
    return sorted(p.relative_to(root).as_posix() for p, _ in found)


def test_recursive_supported_suffixes_only_and_hidden_skipped(tmp_path):
    _tree(tmp_path)
    failures: list = []
    found = list(iter_article_files([tmp_path], failures=failures))
    assert _names(found, tmp_path) == ["a/deep/two.md", "a/one.txt", "five.jsonl", "four.JSON", "six.htm", "three.html"]
    assert {root for _, root in found} == {tmp_path} and failures == []


def test_a_hidden_file_named_explicitly_is_taken(tmp_path):
    _tree(tmp_path)
    assert list(iter_article_files([tmp_path / ".hidden.txt"])) == [(tmp_path / ".hidden.txt", tmp_path)]


def test_symlinks_are_followed_and_loops_reported_not_walked_forever(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    _tree(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ext.md").write_text("# 外\n\n外面的文章。\n", encoding="utf-8")
    (root / "linked.md").symlink_to(outside / "ext.md")  # a file elsewhere
    (root / "again").symlink_to(root / "a")  # the same folder twice: walked once, no failure
    (root / "a" / "deep" / "up").symlink_to("../..")  # a loop back to the corpus folder
    (root / "self.txt").symlink_to("self.txt")  # a link to itself
    (root / "gone.txt").symlink_to(tmp_path / "missing.txt")  # broken
    failures: list = []
    found = list(iter_article_files([root], failures=failures))
    names = _names(found, root)
    assert names.count("a/one.txt") + names.count("again/one.txt") == 1  # each real file once
    assert "linked.md" in names and len(names) == 7
    reasons = {Path(where).relative_to(root).as_posix(): reason for where, reason in failures}
    assert set(reasons) == {"a/deep/up", "self.txt", "gone.txt"}
    assert reasons["a/deep/up"].startswith("symlink loop") and str(root) in reasons["a/deep/up"]
    assert reasons["self.txt"].startswith("symlink loop")
    assert reasons["gone.txt"].startswith("broken symlink")


def test_without_a_failures_list_loops_are_logged_and_missing_paths_raise(tmp_path, caplog):
    (tmp_path / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "loop").symlink_to(".")
    with caplog.at_level(logging.WARNING, logger="newsqa.ingest.readers"):
        assert _names(iter_article_files([tmp_path]), tmp_path) == ["ok.txt"]
    assert "symlink loop" in caplog.text
    with pytest.raises(IngestError, match="no such file or folder"):
        list(iter_article_files([tmp_path / "nope"]))
    failures: list = []
    assert list(iter_article_files([tmp_path / "nope"], failures=failures)) == []
    assert failures == [(str(tmp_path / "nope"), "no such file or folder")]


def test_permission_denied_on_read_monkeypatched(tmp_path, monkeypatch):
    # Tests run as root, where chmod 000 does not stop reads: make the read itself refuse.
    secret = tmp_path / "secret.txt"
    secret.write_text(ARTICLE, encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = load_file(secret, "secret.txt", max_bytes=10_000)
    assert result.documents == []
    assert result.failures == [("secret.txt", "permission denied: cannot open the file (check its permissions)")]


def _run_as_nobody(func):
    """Run ``func`` in a forked child that has dropped root for ``nobody``; returns its JSON result.

    A fork (not a new interpreter) because the interpreter lives under /root, which
    ``nobody`` cannot reach; the child only touches the test files.
    """
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            payload = json.dumps({"ok": func()})
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            payload = json.dumps({"error": repr(exc)})
        os.write(write_end, payload.encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def test_permission_denied_for_real_as_an_unprivileged_user():
    """A real chmod 000 file and folder, read by ``nobody`` (root drops privileges in a fork)."""
    base = Path(tempfile.mkdtemp(prefix="newsqa-perm-"))
    try:
        base.chmod(0o755)
        (base / "ok.txt").write_text(ARTICLE, encoding="utf-8")
        (base / "secret.txt").write_text(ARTICLE, encoding="utf-8")
        (base / "locked").mkdir()
        (base / "locked" / "inner.txt").write_text(ARTICLE, encoding="utf-8")
        load_file(base / "ok.txt", "warm-up", max_bytes=10_000)  # import everything before dropping root
        (base / "secret.txt").chmod(0o000)
        (base / "locked").chmod(0o000)

        def walk_and_load():
            failures: list = []
            loaded = []
            for file, _root in iter_article_files([base], failures=failures):
                result = load_file(file, file.name, max_bytes=10_000)
                failures.extend(result.failures)
                loaded.extend(d.doc_id for d in result.documents)
            return {"loaded": loaded, "failures": failures}

        if os.geteuid() == 0:
            try:
                pwd.getpwnam("nobody")
            except KeyError:
                pytest.skip("no user 'nobody' to drop privileges to")
            out = _run_as_nobody(walk_and_load)
            assert "error" not in out, out
            out = out["ok"]
        else:
            out = json.loads(json.dumps(walk_and_load()))
        assert out["loaded"] == ["ok.txt"]
        reasons = {Path(where).name: reason for where, reason in out["failures"]}
        assert reasons == {
            "locked": "permission denied: cannot list the folder (check its permissions)",
            "secret.txt": "permission denied: cannot open the file (check its permissions)",
        }
    finally:
        for p in (base / "secret.txt", base / "locked"):
            p.chmod(0o755)
        shutil.rmtree(base)


def test_load_documents_reports_every_problem_once(tmp_path, caplog, monkeypatch):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (corpus / "feed.jsonl").write_text(
        '{"id": "n1", "title": "一", "text": "第一篇。"}\n{"title": "二", "text": "第二篇。" oops}\n'
        '{"title": "三", "text": "第三篇。"}\n',
        encoding="utf-8",
    )
    (corpus / "other.json").write_text('{"id": "n1", "title": "重複", "text": "另一篇。"}', encoding="utf-8")
    (corpus / "loop").symlink_to(".")
    (corpus / "empty.html").write_text("<html><body><nav>首页</nav></body></html>", encoding="utf-8")
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(tmp_path / "m"))
    report = IngestReport()
    with caplog.at_level(logging.ERROR, logger="newsqa.ingest.pipeline"):
        docs = load_documents([corpus, tmp_path / "missing"], settings, report, show_progress=False)
    assert sorted(d.doc_id for d in docs) == ["a.txt", "feed.jsonl#3", "n1"]
    failed = {Path(where).name: reason for where, reason in report.failed}
    assert set(failed) == {"loop", "missing", "feed.jsonl line 2", "other.json", "empty.html"}
    assert failed["loop"].startswith("symlink loop") and failed["missing"] == "no such file or folder"
    assert failed["feed.jsonl line 2"].startswith("invalid JSON")
    assert "duplicate document id 'n1'" in failed["other.json"] and "feed.jsonl" in failed["other.json"]
    assert failed["empty.html"] == "no article text in the HTML"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == len(report.failed) == 5
