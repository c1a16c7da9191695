"""The time a question names, read against a reference date: hand-made cases of every kind."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsqa.timex import DateRange, as_date, find_times, parse_day, reference_day

AS_OF = "2024-11-12"  # a Tuesday


def one(text: str, as_of: str | None = AS_OF):
    spans = find_times(text, as_of)
    assert len(spans) == 1, spans
    s = spans[0]
    return s.start.isoformat(), s.end.isoformat(), s.grain, s.text, s.relative


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2021年哪支球队夺冠？", ("2021-01-01", "2021-12-31", "year", "2021年", False)),
        ("2020年4月30日发生了什么？", ("2020-04-30", "2020-04-30", "day", "2020年4月30日", False)),
        ("2020年4月发生了什么？", ("2020-04-01", "2020-04-30", "month", "2020年4月", False)),
        ("2024年7月底恒大股价如何？", ("2024-07-21", "2024-07-31", "day", "2024年7月底", False)),
        ("2023年上半年的出口增速？", ("2023-01-01", "2023-06-30", "month", "2023年上半年", False)),
        ("2023年下半年", ("2023-07-01", "2023-12-31", "month", "2023年下半年", False)),
        ("2023年第三季度的营收？", ("2023-07-01", "2023-09-30", "month", "2023年第三季度", False)),
        ("2024年初发布了什么？", ("2024-01-01", "2024-02-29", "month", "2024年初", False)),
        ("2022年底", ("2022-11-01", "2022-12-31", "month", "2022年底", False)),
        ("2021年5月中旬", ("2021-05-11", "2021-05-20", "day", "2021年5月中旬", False)),
        ("2020-04-30的新闻", ("2020-04-30", "2020-04-30", "day", "2020-04-30", False)),
        ("２０２０年４月３０日", ("2020-04-30", "2020-04-30", "day", "２０２０年４月３０日", False)),
        ("二〇二一年的春晚", ("2021-01-01", "2021-12-31", "year", "二〇二一年", False)),
    ],
)
def test_explicit_expressions(question, expected):
    assert one(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a year-less month or day takes the reference year...
        ("8月有哪些新规？", ("2024-08-01", "2024-08-31", "month", "8月", True)),
        ("4月8日发生了什么？", ("2024-04-08", "2024-04-08", "day", "4月8日", True)),
        ("三月的销量", ("2024-03-01", "2024-03-31", "month", "三月", True)),
        # ... or the year before, when the reference year would put it after the reference date
        ("12月有什么活动？", ("2023-12-01", "2023-12-31", "month", "12月", True)),
    ],
)
def test_a_month_without_a_year_takes_it_from_the_reference(question, expected):
    assert one(question) == expected


def test_a_month_without_a_year_after_an_explicit_date_takes_that_year():
    spans = find_times("2024年6月和8月，两只股票分别有什么变化？", AS_OF)
    assert [(s.text, s.start.isoformat(), s.end.isoformat(), s.relative) for s in spans] == [
        ("2024年6月", "2024-06-01", "2024-06-30", False),
        ("8月", "2024-08-01", "2024-08-31", False),
    ]
    later = find_times("2019年3月和8月", AS_OF)[1]
    assert (later.start, later.relative) == (dt.date(2019, 8, 1), False)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("去年哪部电影票房最高？", ("2023-01-01", "2023-12-31", "year", "去年", True)),
        ("今年乐道汽车计划开设多少家直营店？", ("2024-01-01", "2024-12-31", "year", "今年", True)),
        ("前年的冠军是谁？", ("2022-01-01", "2022-12-31", "year", "前年", True)),
        ("三年前日本政府决定将哪里核污染水排放入海？", ("2021-01-01", "2021-12-31", "year", "三年前", True)),
        ("两年多前发布了什么意见？", ("2021-01-01", "2022-12-31", "year", "两年多前", True)),
        ("50年前哪国向越南派遣空军？", ("1974-01-01", "1974-12-31", "year", "50年前", True)),
        ("上周巴西卫生部长辞职了吗？", ("2024-11-04", "2024-11-10", "day", "上周", True)),
        ("上周五巴西卫生部长辞职了吗？", ("2024-11-08", "2024-11-08", "day", "上周五", True)),
        ("上星期天", ("2024-11-10", "2024-11-10", "day", "上星期天", True)),
        ("上周末北京发布了什么天气预警？", ("2024-11-09", "2024-11-10", "day", "上周末", True)),
        ("本周有哪些新股？", ("2024-11-11", "2024-11-17", "day", "本周", True)),
        ("两周前的北向资金净流入是多少？", ("2024-10-28", "2024-11-03", "day", "两周前", True)),
        ("两个星期前哪两款手机通过了认证？", ("2024-10-28", "2024-11-03", "day", "两个星期前", True)),
        ("上个月哪个球队晋级了决赛？", ("2024-10-01", "2024-10-31", "month", "上个月", True)),
        ("九个月前特朗普推销了什么产品？", ("2024-02-01", "2024-02-29", "month", "九个月前", True)),
        ("三个多月前", ("2024-07-01", "2024-08-31", "month", "三个多月前", True)),
        ("半年前清华大学成立了哪个新系？", ("2024-05-01", "2024-05-31", "month", "半年前", True)),
        ("两年半前创造了什么纪录？", ("2022-05-01", "2022-05-31", "month", "两年半前", True)),
        ("昨天新疆新增了多少无症状感染者？", ("2024-11-11", "2024-11-11", "day", "昨天", True)),
        # news style: a bare 昨 before its verb, 昨晚
        ("记者昨从市交通局获悉，地铁开通", ("2024-11-11", "2024-11-11", "day", "昨", True)),
        ("昨（11日）下午，会议召开", ("2024-11-11", "2024-11-11", "day", "昨", True)),
        ("昨晚，台风登陆", ("2024-11-11", "2024-11-11", "day", "昨晚", True)),
        ("三天前墨菲赢了吗？", ("2024-11-09", "2024-11-09", "day", "三天前", True)),
        ("最近有什么新政策？", ("2024-08-14", "2024-11-12", "day", "最近", True)),
        ("近日哪项功能被取消？", ("2024-10-13", "2024-11-12", "day", "近日", True)),
        ("近三年的出生人口", ("2021-11-12", "2024-11-12", "day", "近三年", True)),
        ("今年年初以来，各大银行成立了什么小组？", ("2024-01-01", "2024-11-12", "day", "今年年初以来", True)),
        ("今年2月以来共发布了多少单回购？", ("2024-02-01", "2024-11-12", "day", "今年2月以来", True)),
    ],
)
def test_relative_expressions(question, expected):
    assert one(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("去年9月哪个飓风对利比亚东部造成严重破坏？", ("2023-09-01", "2023-09-30", "month", "去年9月", True)),
        ("去年的10月中国政府有什么建议？", ("2023-10-01", "2023-10-31", "month", "去年的10月", True)),
        ("去年9月底恒大股价下跌了多少？", ("2023-09-21", "2023-09-30", "day", "去年9月底", True)),
        ("去年上半年人民币贷款多增多少？", ("2023-01-01", "2023-06-30", "month", "去年上半年", True)),
        ("去年第一季度小鹏汽车的销量如何？", ("2023-01-01", "2023-03-31", "month", "去年第一季度", True)),
        ("三年前的三月发生了什么自然灾害？", ("2021-03-01", "2021-03-31", "month", "三年前的三月", True)),
        ("四年前7月3日莫迪访问了哪个地区？", ("2020-07-03", "2020-07-03", "day", "四年前7月3日", True)),
        ("五年前的今天蔚来做了什么宣布？", ("2019-11-12", "2019-11-12", "day", "五年前的今天", True)),
        ("两年前的这个月哪个展会闭幕？", ("2022-11-01", "2022-11-30", "month", "两年前的这个月", True)),
        ("前年年底", ("2022-11-01", "2022-12-31", "month", "前年年底", True)),
        ("一年前的这个星期，他访问了哪里？", ("2023-11-06", "2023-11-12", "day", "一年前的这个星期", True)),
        ("去年年底中国共产党党员总数净增了多少？", ("2023-11-01", "2023-12-31", "month", "去年年底", True)),
        ("去年年初中国公募基金总规模是多少？", ("2023-01-01", "2023-02-28", "month", "去年年初", True)),
    ],
)
def test_anchored_relative_expressions(question, expected):
    assert one(question) == expected


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("上週有哪些新股？", "上周有哪些新股？"),
        ("上個月哪個球隊晉級？", "上个月哪个球队晋级？"),
        ("兩年前的這個月", "两年前的这个月"),
        ("今年年初以來", "今年年初以来"),
        ("兩個星期前", "两个星期前"),
        ("三個多月前", "三个多月前"),
        ("一年後的目標", "一年后的目标"),
        ("兩年之後", "两年之后"),
        ("去年9月", "去年9月"),
    ],
)
def test_both_scripts_read_the_same(traditional, simplified):
    t, s = one(traditional), one(simplified)
    assert t[:3] == s[:3] and t[4] == s[4]
    assert t[3] in traditional  # the text is the question's own


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2025-01-02", ("2024-12-23", "2024-12-29")),  # a Thursday: last week is in the year before
        ("2024-12-30", ("2024-12-23", "2024-12-29")),  # a Monday
        ("2025-01-05", ("2024-12-23", "2024-12-29")),  # a Sunday: still the same week
        ("2025-01-06", ("2024-12-30", "2025-01-05")),  # the week that straddles new year
    ],
)
def test_last_week_across_a_year_boundary(as_of, expected):
    assert one("上周发布了什么？", as_of)[:2] == expected


def test_last_month_and_yesterday_across_a_year_boundary():
    assert one("上个月", "2025-01-15")[:2] == ("2024-12-01", "2024-12-31")
    assert one("昨天", "2025-01-01")[:2] == ("2024-12-31", "2024-12-31")
    assert one("去年", "2025-01-01")[:2] == ("2024-01-01", "2024-12-31")


def test_ranges_become_one_span():
    assert one("2020年4月1日至4月30日新增多少病例？")[:4] == (
        "2020-04-01", "2020-04-30", "day", "2020年4月1日至4月30日")
    assert one("2019年到2021年的销量")[:3] == ("2019-01-01", "2021-12-31", "year")
    assert one("2022-2035年的规划")[:4] == ("2022-01-01", "2035-12-31", "year", "2022-2035年")


def test_a_title_is_not_a_time_the_question_names():
    question = "《扩大内需战略规划纲要（2022-2035年）》发布当天，京东做了什么？"
    assert find_times(question, AS_OF) == []
    assert [s.text for s in find_times("2022年12月发布的《纲要（2022-2035年）》", AS_OF)] == ["2022年12月"]


def test_several_periods_and_none():
    spans = find_times("2020年9月24日和2021年5月25日，法国和广州新增病例分别是多少？", AS_OF)
    assert [s.start.isoformat() for s in spans] == ["2020-09-24", "2021-05-25"]
    assert find_times("甘肃敦煌阳关林场在什么时候遭遇大面积砍伐？", AS_OF) == []
    assert find_times("", AS_OF) == []


@pytest.mark.parametrize(
    "text",
    [
        "90年代的音乐",  # a decade, not a year
        "他工作了三年",  # a duration, not a time
        "5G手机",
        "2021年度",  # fine as a year, but no month after it
    ],
)
def test_not_times_or_only_the_year(text):
    spans = find_times(text, AS_OF)
    assert all(s.grain == "year" and s.text.endswith("年") for s in spans)
    assert len(spans) == (1 if "2021" in text else 0)


@pytest.mark.parametrize("text", [
    "目前天气晴朗", "春节日前夕的安排", "截止日前提交", "上周期的数据", "本周刊报道",
    "首先登上月球的是哪一國人", "舒明天皇與他爭禮", "阿伊努語在哪一年之後被禁止", "几个月前天津和平法院审理的案件",
    "今是昨非", "昨是而今非",  # 昨 not before a verb is no day
])
def test_words_that_only_look_like_times(text):
    assert find_times(text, AS_OF) == []


def test_a_false_month_part_is_not_read():
    assert one("2021年中国经济")[:4] == ("2021-01-01", "2021-12-31", "year", "2021年")
    assert one("今年初中生报名")[2:4] == ("year", "今年")


def test_impossible_dates_are_skipped():
    assert find_times("2021年2月30日", AS_OF) == []
    assert find_times("2021-13-01", AS_OF) == []


def test_without_a_reference_only_dated_expressions_are_read():
    spans = find_times("去年9月，2021年8月21日，8月", None)
    assert [s.text for s in spans] == ["2021年8月21日", "8月"]  # 「8月」 after 2021: that year
    assert spans[1].start == dt.date(2021, 8, 1)
    assert find_times("上周和昨天", None) == []


def test_span_helpers():
    span = find_times("2021年", AS_OF)[0]
    assert span.contains("2021-06-30") and not span.contains("2022-01-01") and not span.contains(None)
    assert list(span.years) == [2021]
    assert span.overlaps(find_times("2021年12月", AS_OF)[0])
    assert not span.overlaps(find_times("2022年1月", AS_OF)[0])


def test_parse_day_and_reference_day():
    assert parse_day("2024-11-12") == dt.date(2024, 11, 12)
    for bad in ("2024-13-01", "2024/11/12", "yesterday", "2024-02-30", "0999-01-01"):
        with pytest.raises(ValueError):
            parse_day(bad)
    assert reference_day("2024-11-12") == dt.date(2024, 11, 12)
    assert reference_day(None) == dt.date.today()
    assert as_date("2021-01-10T08:00:00") == dt.date(2021, 1, 10) and as_date("") is None


def test_date_range():
    r = DateRange.parse("2021-01-01", "2021-12-31")
    assert r.contains("2021-06-30") and not r.contains("2022-01-01") and not r.contains(None)
    assert DateRange.parse(None, "2020-12-31").contains("1999-01-01")
    assert DateRange().contains(None)  # unbounded: everything, dated or not
    with pytest.raises(ValueError):
        DateRange.parse("2022-01-01", "2021-01-01")


_TIME_CHARS = "0123456789０１２年月日号周週星期天前后後上下本这這今去昨明近最半多个個的以来來至到-初底末旬季度一二两兩三十百〇"


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet=_TIME_CHARS + "的城市马拉松冠军是谁？ ", max_size=40),
       st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_any_text_gives_well_formed_spans(text, as_of):
    for span in find_times(text, as_of):
        assert span.start <= span.end
        assert text[span.offset : span.offset + len(span.text)] == span.text
        assert span.grain in ("year", "month", "day")

