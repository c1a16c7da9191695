"""Dates as Chinese news writes them → ISO 8601, and where articles state them."""

import pytest

from newsqa.dates import (
    PartialDate,
    find_date,
    find_dateline,
    find_dateline_partial,
    find_year,
    full_year,
    nearest_year,
    normalize_date,
    read_date,
    read_time,
)


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


# ---------------------------------------------------------------- dates with or without a year


@pytest.mark.parametrize(
    "header, expected",
    [
        ("2023-07-29 06:53:40，", "2023-07-29"),
        ("2023-08-03", "2023-08-03"),
        ("23-07-28 21:52", "2023-07-28"),  # a two-digit year
        ("202308/09 15:42:11", "2023-08-09"),
        ("[2023/08/12  09:39]", "2023-08-12"),
        ("2023年08月14日 17:17:08 来自四川", "2023-08-14"),
        ("来源：浙江日报  |  2023年07月29日 09:06:44", "2023-07-29"),
        ("华夏经纬网 > 新闻 > 社会综合      2023-07-31 15:23:04  ", "2023-07-31"),
        ("２０２１年１月１０日", "2021-01-10"),
        ("07-20 17:17", "--07-20"),  # no year: month and day only
        ("8-18 17:24", "--08-18"),
        ("07/21  08:53", "--07-21"),
        ("[\t\t07/18\t\t]", "--07-18"),
        ("07月28日 08:28", "--07-28"),
    ],
)
def test_read_date_reads_header_dates_with_or_without_a_year(header, expected):
    assert str(read_date(header)) == expected


@pytest.mark.parametrize("text", ["", "，", "来源：海外网", "17:17", "2023-02-30", "02-30", "0999-01-10", "13-45"])
def test_read_date_finds_no_date_in_times_impossible_days_or_the_tail_of_a_bad_date(text):
    assert read_date(text) is None


def test_read_time_and_two_digit_years():
    assert read_time("2023-07-29 06:53:40，") == "06:53:40"
    assert read_time("07/21  8:53") == "08:53"
    assert read_time("2023-08-03") is None
    assert (full_year(23), full_year(69), full_year(70), full_year(99)) == (2023, 2069, 1970, 1999)


def test_a_partial_date_takes_a_year_only_when_given_one():
    day = PartialDate(8, 18)
    assert day.iso() is None and str(day) == "--08-18"
    assert day.resolve() is None
    assert day.resolve(year=2023) == "2023-08-18"
    assert day.resolve(near="2023-08-20") == "2023-08-18"
    assert PartialDate(12, 30).resolve(near="2024-01-03") == "2023-12-30"  # the nearest, across New Year
    assert PartialDate(1, 2).resolve(near="2023-12-30") == "2024-01-02"
    assert PartialDate(8, 18, 2022).resolve(year=2023) == "2022-08-18"  # its own year wins
    assert PartialDate(2, 29).resolve(year=2023) is None and PartialDate(2, 29).resolve(year=2024) == "2024-02-29"
    with pytest.raises(ValueError):
        PartialDate(2, 30)
    assert nearest_year(2, 29, "2023-03-01") == 2024 and nearest_year(1, 1, "not a date") is None


def test_find_dateline_partial_keeps_a_dateline_without_its_year():
    assert str(find_dateline_partial("新华社北京1月10日电（记者张三）")) == "--01-10"
    assert str(find_dateline_partial("本报北京2021年1月10日电")) == "2021-01-10"
    assert find_dateline_partial("1786年2月2日，亞洲協會在加爾各答舉行。") is None
    # find_dateline never takes a year from the text around it: the caller gives one or none
    assert find_dateline("中新网8月15日电 从1931年到1945年，中国一半国土被日本侵略者践踏") is None
