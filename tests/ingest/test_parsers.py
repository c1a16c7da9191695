from pathlib import Path

import pytest

from newsqa.ingest.parsers import ArticleParser, DateDefaults

SEED = Path(__file__).resolve().parents[2] / "data" / "articles" / "000_8cf7c1ad8f2038b8.txt"


def seed_documents():
    return ArticleParser().run(SEED.read_text(encoding="utf-8"), source_file=SEED.name)


def test_renmin_header_is_recognised():
    main = seed_documents()[0]
    assert main.title == "上海自貿試驗區:以一流黨建促一流改革 推進浦東二次創業"
    assert main.date == "2021-01-10"
    assert main.source == "人民網"
    assert main.text.startswith("「推出『零幹預』")
    assert "相關焦點" not in main.text
    assert main.text.endswith("浦東新區區委書記沈曉明如是說。")


def test_every_related_item_is_its_own_document():
    docs = seed_documents()
    raw = SEED.read_text(encoding="utf-8")
    items = docs[1:]
    assert len(items) == raw.count("•") == 20
    hebei = [d for d in items if d.title.startswith("河北自貿試驗區")]
    assert len(hebei) == 1
    assert "24.1%的新設外資企業" in hebei[0].text
    assert "河南" not in hebei[0].text
    for item in items:
        assert item.parent_id == docs[0].doc_id
        assert item.doc_id != docs[0].doc_id
        offset = item.metadata["offset_in_file"]
        assert raw[offset : offset + len(item.text)] == item.text
        assert item.text and "•" not in item.text


def test_document_text_is_copied_exactly_from_the_file():
    raw = SEED.read_text(encoding="utf-8")
    main = seed_documents()[0]
    offset = main.metadata["offset_in_file"]
    assert raw[offset : offset + len(main.text)] == main.text


def test_markdown_layout():
    docs = ArticleParser().run("# 梵語\n\n梵語是印度的古代語言。\n\n第二段。\n", source_file="1147.md")
    assert len(docs) == 1
    assert docs[0].title == "梵語"
    assert docs[0].text == "梵語是印度的古代語言。\n\n第二段。"
    assert docs[0].date is None


def test_markdown_title_with_a_dateline_under_it():
    """「# 标题」 then 「2024-11-24 自由時報」 (a user's own .md): dated and sourced like the .txt
    layout; before, the dateline was read as the body and the article had no date."""
    text = "# 中華隊奪得世界12強冠軍\n\n2024-11-24 自由時報\n\n中華隊在東京巨蛋以4比0擊敗日本。\n"
    (doc,) = ArticleParser().run(text, source_file="baseball.md")
    assert (doc.title, doc.date, doc.source) == ("中華隊奪得世界12強冠軍", "2024-11-24", "自由時報")
    assert doc.text == "中華隊在東京巨蛋以4比0擊敗日本。" and doc.metadata["date_from"] == "header"
    # a lead sentence that opens with its date stays the body's (its date from the lead)
    (lead,) = ArticleParser().run("# 日本\n\n2019年8月28日，日本政府宣布。\n", source_file="jp.md")
    assert lead.text == "2019年8月28日，日本政府宣布。" and lead.source is None and lead.date == "2019-08-28"


def test_dated_body_layout():
    docs = ArticleParser().run("2023-07-29 06:53:40，正文：封面新闻记者 刘恪生7月28日晚，亮灯。", source_file="doc.txt")
    assert docs[0].date == "2023-07-29"
    assert docs[0].text == "封面新闻记者 刘恪生7月28日晚，亮灯。"  # the byline opens the lead sentence
    assert docs[0].title == "7月28日晚，亮灯" and docs[0].metadata["title_from"] == "lead"  # but not the title
    assert (docs[0].source, docs[0].metadata["author"]) == ("封面新闻", "刘恪生")


@pytest.mark.parametrize("first_line", ["# 日本將韓國移出白名單", "日本將韓國移出白名單"])
def test_a_title_then_a_dated_lead_dates_the_article(first_line):
    text = f"{first_line}\n\n2019年8月28日，日本正式將韓國移出出口管制「白名單」。\n\n韓方表示強烈不滿。\n"
    doc = ArticleParser().run(text, source_file="jp.md")[0]
    assert (doc.title, doc.date, doc.metadata["date_from"]) == ("日本將韓國移出白名單", "2019-08-28", "lead")
    assert doc.text.startswith("2019年8月28日，日本正式")  # the date stays in the lead sentence


def test_plain_text_without_header():
    docs = ArticleParser().run("一個標題\n\n正文。\r\n", source_file="x.txt")
    assert docs[0].title == "一個標題"
    assert docs[0].text == "正文。"


def test_empty_text_gives_no_documents():
    assert ArticleParser().run("  \n\n", source_file="x.txt") == []


def test_dated_body_without_a_year():
    docs = ArticleParser().run("07-20 17:17，正文：新浪娱乐讯 台湾女星宣布离婚。", source_file="doc.txt")
    assert docs[0].text == "新浪娱乐讯 台湾女星宣布离婚。"
    assert docs[0].date is None  # no year anywhere: not guessed


def test_a_file_of_one_line_is_a_body_with_a_derived_title():
    docs = ArticleParser().run("杭州亚运会于2023年9月23日开幕，共有45个国家和地区参赛。\n", source_file="x.txt")
    assert docs[0].text == "杭州亚运会于2023年9月23日开幕，共有45个国家和地区参赛。"
    assert docs[0].title.startswith("杭州亚运会")


# ---------------------------------------------------------------------------- dates in the layouts above


def test_txt_header_line_with_full_width_date_and_time():
    docs = ArticleParser().run("標題\n２０２１年０１月１０日 08:30 來源：人民網\n\n正文。", source_file="a.txt")
    assert (docs[0].date, docs[0].source, docs[0].text) == ("2021-01-10", "人民網", "正文。")


def test_txt_header_with_an_impossible_date_has_no_date():
    docs = ArticleParser().run("標題\n2021-02-30 人民網\n\n正文。", source_file="a.txt")
    assert docs[0].date is None and docs[0].source == "人民網" and docs[0].text == "正文。"


def test_txt_body_dateline_takes_no_year_from_the_body(caplog):
    text = "春运开始\n\n新华社北京1月10日电 记者获悉，2021年春运将于1月28日开始，共计40天。"
    doc = ArticleParser().run(text, source_file="a.txt")[0]
    assert doc.date is None and "date_from" not in doc.metadata and doc.metadata["month_day"] == "--01-10"
    assert "a.txt" in caplog.text and "--default-year" in caplog.text  # the warning names the file and the cure
    assert doc.text.startswith("新华社北京")  # the body is untouched


def test_txt_body_dateline_takes_the_year_the_user_gives():
    text = "春运开始\n\n新华社北京1月10日电 记者获悉，2021年春运将于1月28日开始，共计40天。"
    doc = ArticleParser(DateDefaults(year=2020)).run(text, source_file="a.txt")[0]
    assert doc.date == "2020-01-10"  # the user's year, not the body's 2021
    assert (doc.metadata["date_from"], doc.metadata["year_from"]) == ("dateline", "option")
    doc = ArticleParser(DateDefaults(date="2021-01-12")).run(text, source_file="a.txt")[0]
    assert doc.date == "2021-01-10"


def test_txt_bracketed_date_at_the_top_of_the_body():
    doc = ArticleParser().run("# 標題\n\n（2021年1月10日）本報訊 今天天氣晴。", source_file="a.md")[0]
    assert doc.date == "2021-01-10"


def test_txt_date_far_below_the_top_is_not_taken():
    body = "甲" * 300 + "（2021年1月10日）"
    assert ArticleParser().run("標題\n\n" + body, source_file="a.txt")[0].date is None


def test_the_date_option_dates_any_layout_that_states_none():
    doc = ArticleParser(DateDefaults(date="2023-08-15")).run("# 標題\n\n今天天氣晴。", source_file="a.md")[0]
    assert (doc.date, doc.metadata["date_from"]) == ("2023-08-15", "option")
    dated = ArticleParser(DateDefaults(date="2023-08-15")).run("標題\n2021-01-10 人民網\n\n正文。", source_file="a.txt")[0]
    assert (dated.date, dated.metadata["date_from"]) == ("2021-01-10", "header")  # the file's own date wins
