"""Numerals and the numbers of a text, read in one place (``newsqa.chinese``) for the
time expressions, the ordinals, the citation check and the answer spans; and the date
shapes shared by the article reader, the time expressions and the chat's date fields."""

import re

import pytest

from newsqa.chinese import (
    ARABIC_NUMBER,
    NUMERAL_CHARS,
    counted_numbers,
    numbers,
    numeral_value,
    ordinals,
)
from newsqa.dates import CN_YMD, find_dateline, find_year, normalize_date
from newsqa.timex import ISO_DAY, find_times, parse_day


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十五", 15), ("十二", 12), ("二十三", 23), ("五十", 50), ("百", 100), ("一百零五", 105),
        ("一千二百三十四", 1234), ("两万", 20000), ("三万五千", 35000),
        ("一亿二千万", 120_000_000), ("两", 2), ("兩", 2), ("三", 3),
        ("二〇二一", 2021), ("二零零五", 2005),  # no unit: digit by digit
        ("3", 3), ("２０２１", 2021),  # digits, full-width too
        ("x", None), ("十x", None), ("", None),
    ],
)
def test_numeral_value(text, value):
    assert numeral_value(text) == value


def test_a_zero_before_a_unit_holds_a_place_unless_it_multiplies():
    assert numeral_value("一千零十") == 1010
    assert numeral_value("二千零十") == 2010
    # the citation check's reading, kept as it was: 零 times 十
    assert numeral_value("一千零十", zero_multiplies=True) == 1000
    # where no 零 stands before a unit both readings agree
    for text in ("一百零五", "一千二百三十四", "两万", "二〇一三", "十二"):
        assert numeral_value(text) == numeral_value(text, zero_multiplies=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("近3.5万名员工", {"3.5", "35000"}),
        ("３.５萬人", {"3.5", "35000"}),  # full-width digits, Traditional 萬
        ("２０２１年１月", {"2021", "1"}),
        ("1,200人", {"1200"}),
        ("１，２００人", {"1200"}),  # a full-width comma folds to ,
        ("一千二百三十四人", {"1234"}),
        ("两万多家企业", {"20000"}),
        ("十五个", {"15"}),
        ("二〇一三年", {"2013"}),
        ("09", {"9"}),
        ("以一流党建促一流改革，统一部署", set()),  # a lone numeral before a non-counter is no number
        ("千万不要", set()),
    ],
)
def test_numbers(text, expected):
    assert numbers(text) == expected


def test_counted_numbers_pair_a_value_with_its_counter():
    assert counted_numbers("1個月") == {("1", "个")}
    assert counted_numbers("２萬餘家") == {("2", "家"), ("20000", "家")}  # as written and scaled
    assert counted_numbers("二〇一三年") == {("2013", "年")}
    assert counted_numbers("增长1.1%") == {("1.1", "%")}


def test_number_patterns():
    assert re.fullmatch(ARABIC_NUMBER, "28.78") and re.fullmatch(ARABIC_NUMBER, "3,000")
    assert not re.fullmatch(ARABIC_NUMBER, "3,00")
    assert set("〇零一二两三四五六七八九十百千万亿") == set(NUMERAL_CHARS)


def test_ordinals_read_numerals():
    assert ordinals("第十二届和第3次") == {("届", 12), ("次", 3)}


def test_time_counts_read_numerals():
    assert [s.text for s in find_times("三年前和兩週前", "2024-11-12")] == ["三年前", "兩週前"]
    assert find_times("十二月", "2024-11-12")[0].start.isoformat() == "2023-12-01"


@pytest.mark.parametrize(
    ("text", "groups"),
    [("2021年1月10日", ("2021", "1", "10")), ("2021 年 01 月 10", ("2021", "01", "10")),
     ("２０２１年１月１０號", ("２０２１", "１", "１０"))],
)
def test_cn_ymd(text, groups):
    assert re.fullmatch(CN_YMD, text).groups() == groups


def test_the_two_forms_of_a_full_date_read_alike():
    for text in ("2021-01-10", "2021/1/10", "2021.01.10", "2021年1月10日", "2021年01月10号", "２０２１年１月１０日"):
        assert normalize_date(text) == "2021-01-10", text
        assert find_year("见" + text) == 2021
    assert normalize_date("12021-01-10") is None  # a digit runs on before it
    assert find_dateline("（2021年1月10日）\n正文") == "2021-01-10"
    assert find_dateline("发布时间：2021/1/10 08:30") == "2021-01-10"


def test_iso_day_is_what_parse_day_reads():
    assert ISO_DAY.fullmatch("2024-1-5").groups() == ("2024", "1", "5")
    assert ISO_DAY.fullmatch("2024/1/5") is None
    assert parse_day("2024-1-5").isoformat() == "2024-01-05"
