"""Your archive is yours: the bundled sample never goes into an index of your own, a rebuild
without paths rebuilds an index from what it was built from (never from the sample in its
place), and uploads are stored with the index they were added to."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsqa.cli import main
from newsqa.config import Settings
from newsqa.index.access import open_index
from newsqa.index.store import NewsIndex, NewsIndexError
from newsqa.ingest.pipeline import ensure_index, ingest_paths, rebuild_sources

PUDONG = "浦東開發\n\n2020-11-12 新華網\n\n1990年4月18日，中共中央、國務院宣布開發開放上海浦東。\n"
SUZHOU = "蘇州工業園區\n\n2024-02-26 新華網\n\n蘇州工業園區設立於1994年2月，是中國和新加坡兩國政府的合作項目。\n"


@pytest.fixture()
def mine(tmp_path: Path, e5_model_dir: Path) -> Settings:
    """An index of the user's own folder (the bundled corpus folder stays the default one)."""
    folder = tmp_path / "my-news"
    folder.mkdir()
    (folder / "pudong.txt").write_text(PUDONG, encoding="utf-8")
    settings = Settings.load(index_dir=tmp_path / "index", embedding_model=str(e5_model_dir))
    ingest_paths([folder], settings)
    return settings


def _doc_ids(settings: Settings) -> list[str]:
    return sorted(open_index(settings).documents)


def test_serving_a_new_index_of_your_own_does_not_add_the_sample(tmp_path):
    settings = Settings.load(index_dir=tmp_path / "new-index")
    assert settings.is_bundled_corpus and not settings.is_default_index
    assert ensure_index(settings) is None  # what `newsqa serve --index DIR` runs first
    assert not NewsIndex.exists(settings.index_path)  # the UI starts empty; nothing was built
    # a corpus folder you set is yours, and is built into the index
    own = tmp_path / "own"
    own.mkdir()
    assert not Settings.load(index_dir=tmp_path / "i2", corpus_dir=own).is_bundled_corpus


def test_a_rebuild_without_paths_rebuilds_your_archive_from_its_own_folder(mine):
    assert _doc_ids(mine) == ["pudong.txt"]
    assert main(["ingest", "--rebuild", "-q", "--index", str(mine.index_path)]) == 0
    assert _doc_ids(mine) == ["pudong.txt"]  # not the 20 bundled 人民網 items


def test_a_rebuild_whose_folder_is_gone_says_so_and_keeps_the_index(mine, tmp_path, capsys):
    (tmp_path / "my-news" / "pudong.txt").unlink()
    (tmp_path / "my-news").rmdir()
    with pytest.raises(NewsIndexError, match="no longer exist"):
        rebuild_sources(mine)
    assert main(["ingest", "--rebuild", "-q", "--index", str(mine.index_path)]) == 2
    assert "newsqa ingest --rebuild --index" in capsys.readouterr().err
    assert _doc_ids(mine) == ["pudong.txt"]


def test_an_index_of_the_sample_only_is_rebuilt_from_the_corpus_folder(tmp_path):
    settings = Settings.load(index_dir=tmp_path / "none-yet")
    assert rebuild_sources(settings) == [settings.corpus_path]


def test_uploads_are_stored_with_the_index_and_kept_by_a_rebuild(mine):
    uploads = mine.uploads_path
    assert uploads == mine.index_path / "uploads"
    uploads.mkdir()
    (uploads / "suzhou.txt").write_text(SUZHOU, encoding="utf-8")
    ingest_paths([uploads / "suzhou.txt"], mine)  # what the archive tab's worker runs
    assert _doc_ids(mine) == ["pudong.txt", "uploads/suzhou.txt"]
    assert rebuild_sources(mine) == [(mine.index_path.parent / "my-news").resolve(), uploads]
    assert main(["ingest", "--rebuild", "-q", "--index", str(mine.index_path)]) == 0
    assert _doc_ids(mine) == ["pudong.txt", "uploads/suzhou.txt"]  # the same names: nothing doubled


def test_reindex_reads_your_folder_again_and_keeps_the_uploads(mine, tmp_path):
    """「重新索引」 (``NewsQA.reindex``): a file added to your folder comes in, a file removed
    goes out, an upload stored with the index stays; a folder that is gone stops it, saying so."""
    from newsqa.qa.pipeline import NewsQA

    folder = tmp_path / "my-news"
    mine.uploads_path.mkdir(parents=True)
    (mine.uploads_path / "suzhou.txt").write_text(SUZHOU, encoding="utf-8")
    ingest_paths([mine.uploads_path / "suzhou.txt"], mine)
    (folder / "second.txt").write_text("浦東三十年\n\n2020-11-13 新華網\n\n浦東新區的生產總值三十年間增長了兩百倍。\n",
                                       encoding="utf-8")
    (folder / "pudong.txt").unlink()
    report = NewsQA.reindex(mine)
    assert report.ok and report.added == ["second.txt"] and report.removed == ["pudong.txt"]
    assert _doc_ids(mine) == ["second.txt", "uploads/suzhou.txt"]
    (folder / "second.txt").unlink()
    folder.rmdir()
    with pytest.raises(NewsIndexError, match="no longer exist"):
        NewsQA.reindex(mine)
    assert _doc_ids(mine) == ["second.txt", "uploads/suzhou.txt"]  # nothing lost


def test_a_delete_keeps_what_the_index_was_built_from(mine, tmp_path):
    """Deleting an article (the archive tab, `newsqa docs delete`) once made the index forget
    its folders, and the next 重新索引 replaced the archive with the bundled sample."""
    from newsqa.index.access import delete_documents
    from newsqa.qa.pipeline import NewsQA

    folder = tmp_path / "my-news"
    (folder / "suzhou.txt").write_text(SUZHOU, encoding="utf-8")
    ingest_paths([folder], mine)
    before = NewsIndex.read_manifest(mine.index_path)
    assert delete_documents(["suzhou.txt"], mine) == ["suzhou.txt"]
    after = NewsIndex.read_manifest(mine.index_path)
    assert after["sources"] == before["sources"] == [str(folder.resolve())]
    assert after["only_corpus"] is False and after["corpus_stat"] == before["corpus_stat"]
    assert rebuild_sources(mine) == [folder.resolve()] or rebuild_sources(mine) == [folder]
    NewsQA.reindex(mine)  # the deleted file is still in the folder, so it comes back; the sample does not
    assert _doc_ids(mine) == ["pudong.txt", "suzhou.txt"]
