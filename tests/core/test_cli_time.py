"""``newsqa ask --as-of/--since/--until``: checked dates, threaded to the pipeline, and end to end."""

import datetime as dt
import json

import pytest

from newsqa.cli import main
from newsqa.timex import DateRange

RACE = "濱江馬拉松\n\n{date} 新華網\n\n濱江城市馬拉松今天鳴槍開跑，三萬名選手參賽。男子全程冠軍由{winner}獲得。\n"
WINNERS = {"2022-04-17": "王海濤", "2023-04-16": "陳建華"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--as-of", "2024-13-01"], "no such date"),
        (["--as-of", "yesterday"], "YYYY-MM-DD"),
        (["--since", "2024/01/01"], "YYYY-MM-DD"),
        (["--since", "2024-02-01", "--until", "2024-01-01"], "ends before it starts"),
    ],
)
def test_a_bad_date_is_a_usage_error(options, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ask", "去年的冠軍是誰？", *options])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("usage: newsqa ask")  # ask's usage, not the top-level one


@pytest.mark.parametrize("options", [["--as-of", "2023-13-01"], ["--since", "2024-02-01", "--until", "2024-01-01"]])
def test_with_json_a_bad_date_is_one_json_object(options, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "--json", "去年的冠軍是誰？", *options])
    assert exit_.value.code == 2
    out = json.loads(capsys.readouterr().out)  # exactly one object, no usage text
    assert out["error_kind"] == "bad_date" and out["answer"] is None and out["question"] == "去年的冠軍是誰？"


def test_a_relative_index_folder_is_where_the_user_is(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["ask", "--json", "去年的冠軍是誰？", "--index", "my-index"]) == 2
    assert str(tmp_path / "my-index") in json.loads(capsys.readouterr().out)["error"]


def test_the_dates_reach_the_pipeline_typed(tmp_path, monkeypatch, capsys):
    from newsqa.qa import pipeline
    from newsqa.types import Answer

    seen = {}

    class Recording:
        def ask(self, question, top_k=None, **when):
            seen.update(when)
            return Answer(question, "資料中沒有相關內容。", True, [])

    monkeypatch.setattr(pipeline.NewsQA, "from_settings", classmethod(lambda cls, settings: Recording()))
    index = str(tmp_path / "elsewhere")
    assert main(["ask", "--json", "去年的冠軍是誰？", "--index", index, "--as-of", "2024-11-12",
                 "--since", "2023-01-01", "--until", "2023-12-31"]) == 0
    assert seen == {"as_of": dt.date(2024, 11, 12), "within": DateRange(dt.date(2023, 1, 1), dt.date(2023, 12, 31))}
    assert main(["ask", "--json", "去年的冠軍是誰？", "--index", index]) == 0
    assert seen == {"as_of": None, "within": None}  # today, and no filter
    assert main(["ask", "--json", "冠軍是誰？", "--index", index, "--until", "2020-01-01"]) == 0
    assert seen["within"] == DateRange(None, dt.date(2020, 1, 1))
    capsys.readouterr()


@pytest.fixture(scope="module")
def race_index(tmp_path_factory, e5_model_dir):
    from newsqa.config import Settings
    from newsqa.ingest.pipeline import ingest_paths

    base = tmp_path_factory.mktemp("cli-time")
    corpus = base / "articles"
    corpus.mkdir()
    for date, winner in WINNERS.items():
        (corpus / f"race-{date[:4]}.txt").write_text(RACE.format(date=date, winner=winner), encoding="utf-8")
    settings = Settings.load(index_dir=base / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))
    assert ingest_paths([corpus], settings).ok
    return str(settings.index_path)


def _ask(capsys, *args) -> dict:
    assert main(["ask", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("as_of", "year"), [("2024-11-12", "2023"), ("2023-05-01", "2022")])
def test_as_of_decides_which_year_last_year_is(race_index, capsys, as_of, year):
    data = _ask(capsys, "去年濱江城市馬拉松的男子全程冠軍是誰？", "--index", race_index, "--as-of", as_of)
    assert data["citations"][0]["doc_id"] == f"race-{year}.txt"


def test_since_and_until_keep_only_articles_dated_in_the_range(race_index, capsys):
    question = "濱江城市馬拉松的男子全程冠軍是誰？"
    only_2022 = _ask(capsys, question, "--index", race_index, "--until", "2022-12-31")
    assert {c["doc_id"] for c in only_2022["citations"]} == {"race-2022.txt"}
    assert WINNERS["2022-04-17"] in only_2022["answer"]
    only_2023 = _ask(capsys, question, "--index", race_index, "--since", "2023-01-01")
    assert {c["doc_id"] for c in only_2023["citations"]} == {"race-2023.txt"}
    nothing = _ask(capsys, question, "--index", race_index, "--since", "2025-01-01")
    assert nothing["abstained"] is True and nothing["citations"] == []
