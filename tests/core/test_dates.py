"""Dates as Chinese news writes them → ISO 8601, and where articles state them."""

import pytest

from newsqa.dates import find_date, find_dateline, find_year, normalize_date
from newsqa.ingest.parsers import ArticleParser


@pytest.mark.parametrize(
    "text",
    [
        "2021-01-10",
        "2021/1/10",
        "2021.01.10",
        "2021年1月10日",
        "2021年01月10日 08:30",
        "２０２１年１月１０日",
        "２０２１／０１／１０",
        "2021-01-10T08:00:00+08:00",
        "2021-01-10T23:59:59Z",
        "2021 年 1 月 10 日",
        "20210110",
        "Sun, 10 Jan 2021 08:00:00 +0800",
        "Jan 10, 2021",
        "10 January 2021",
        "发布时间：2021-01-10 来源：人民网",
    ],
)
def test_formats_normalise_to_iso(text):
    assert normalize_date(text) == "2021-01-10"


def test_month_and_day_need_a_reference_year():
    assert normalize_date("1月10日") is None
    assert normalize_date("1月10日", reference_year=2021) == "2021-01-10"
    assert normalize_date("１月１０日", reference_year=2020) == "2020-01-10"


@pytest.mark.parametrize(
    "text", ["2021年2月30日", "2021-02-29", "2021-13-01", "2021/4/31", "0999-01-10", "", "   ", "昨天", "not a date"]
)
def test_impossible_or_missing_dates_are_none(text):
    assert normalize_date(text, reference_year=2021) is None


def test_invalid_month_day_with_a_year_is_none_and_leap_days_are_real():
    assert normalize_date("2月30日", reference_year=2021) is None
    assert normalize_date("2020年2月29日") == "2020-02-29"


def test_find_date_skips_an_impossible_date_and_takes_the_next():
    assert find_date("2021年2月30日有误，应为2021年3月1日。") == "2021-03-01"
    assert find_date("新华社北京1月10日电") is None
    assert find_date("新华社北京1月10日电", reference_year=2021) == "2021-01-10"


def test_datelines_but_not_historical_dates():
    assert find_dateline("新华社北京1月10日电（记者张三）", reference_year=2021) == "2021-01-10"
    assert find_dateline("新华社北京1月10日电（记者张三）") is None  # no year anywhere
    assert find_dateline("（2021年1月10日）本报讯") == "2021-01-10"
    assert find_dateline("本报北京2021年1月10日电") == "2021-01-10"
    assert find_dateline("发布时间：2021-01-10 08:30\n正文") == "2021-01-10"
    assert find_dateline("正文第一段。\n2021年1月10日\n") == "2021-01-10"
    # encyclopedic text that opens with an event date has no publication date
    assert find_dateline("1786年2月2日，亞洲協會在加爾各答舉行。") is None
    assert find_dateline("楢崎龙（1841年7月23日）- 明治39年，坂本龙马之妻。") is None
    assert find_dateline("周恩來（1898年3月5日－1976年1月8日）") is None
    assert find_dateline("本报讯（2021年1月10日 08:30）记者") == "2021-01-10"
    assert find_dateline("第19届亚运会于2023年9月23日在杭州开幕。") is None


def test_find_year_takes_the_first_year_mentioned():
    assert find_year("去年是2020年，今年1月10日") == 2020
    assert find_year("沒有年份") is None


def test_txt_header_line_with_full_width_date_and_time():
    docs = ArticleParser().run("標題\n２０２１年０１月１０日 08:30 來源：人民網\n\n正文。", source_file="a.txt")
    assert (docs[0].date, docs[0].source, docs[0].text) == ("2021-01-10", "人民網", "正文。")


def test_txt_header_with_an_impossible_date_has_no_date():
    docs = ArticleParser().run("標題\n2021-02-30 人民網\n\n正文。", source_file="a.txt")
    assert docs[0].date is None and docs[0].source == "人民網" and docs[0].text == "正文。"


def test_txt_body_dateline_with_the_year_from_the_article():
    text = "春运开始\n\n新华社北京1月10日电 记者获悉，2021年春运将于1月28日开始，共计40天。"
    doc = ArticleParser().run(text, source_file="a.txt")[0]
    assert doc.date == "2021-01-10" and doc.metadata["date_from"] == "body"
    assert doc.text.startswith("新华社北京")  # the body is untouched


def test_txt_body_dateline_without_any_year_stays_undated():
    doc = ArticleParser().run("春运开始\n\n新华社北京1月10日电 记者获悉，春运将于月底开始。", source_file="a.txt")[0]
    assert doc.date is None and "date_from" not in doc.metadata


def test_txt_bracketed_date_at_the_top_of_the_body():
    doc = ArticleParser().run("# 標題\n\n（2021年1月10日）本報訊 今天天氣晴。", source_file="a.md")[0]
    assert doc.date == "2021-01-10"


def test_txt_date_far_below_the_top_is_not_taken():
    body = "甲" * 300 + "（2021年1月10日）"
    assert ArticleParser().run("標題\n\n" + body, source_file="a.txt")[0].date is None
