"""Reading judgements on two events' order (「A是否在B之前？」) and on the period of several
(「A和B都是2019年发生的吗？」), in both scripts; and what is not such a question. The other kinds
(which first, same period, interval, dates) are read in ``test_events.py``."""

from __future__ import annotations

import pytest

from newsqa.qa.event_question import EventQuestion


@pytest.mark.parametrize(
    ("question", "events", "direction"),
    [
        ("杜苏芮登陆是否在卡努登陆之前？", ("杜苏芮登陆", "卡努登陆"), "earliest"),
        ("杜苏芮登陆是在卡努登陆之前吗？", ("杜苏芮登陆", "卡努登陆"), "earliest"),
        ("杜苏芮登陆比卡努登陆早吗？", ("杜苏芮登陆", "卡努登陆"), "earliest"),
        ("杜蘇芮登陸是否早於卡努登陸？", ("杜蘇芮登陸", "卡努登陸"), "earliest"),
        ("杜苏芮登陆在卡努登陆之后吗？", ("杜苏芮登陆", "卡努登陆"), "latest"),
        ("杜蘇芮登陸比卡努登陸晚嗎？", ("杜蘇芮登陸", "卡努登陸"), "latest"),
    ],
)
def test_a_judgement_on_two_events_order(question, events, direction):
    asked = EventQuestion.read(question)
    assert asked is not None
    assert (asked.kind, asked.events, asked.direction) == ("before", events, direction)


@pytest.mark.parametrize(
    ("question", "events", "period"),
    [
        ("中国证券法修订草案审议和香港暴徒焚毁警车都是2019年发生的吗？", ("中国证券法修订草案审议", "香港暴徒焚毁警车"), "2019年"),
        ("吴清提到的证监会中心任务和飞凯材料涉嫌合同诈骗案，是否都在2024年3月发生？",
         ("吴清提到的证监会中心任务", "飞凯材料涉嫌合同诈骗案"), "2024年3月"),
        ("教育部的统计公报和携程集团的生育补贴政策都是在2023年7月发布的吗？", ("教育部的统计公报", "携程集团的生育补贴政策"), "2023年7月"),
        ("杜蘇芮登陸和卡努登陸都是去年發生的嗎？", ("杜蘇芮登陸", "卡努登陸"), "去年"),
    ],
)
def test_a_judgement_on_the_period_of_several_events(question, events, period):
    asked = EventQuestion.read(question)
    assert asked is not None
    assert (asked.kind, asked.events, asked.period) == ("within", events, period)


def test_same_year_and_month_is_a_same_month_judgement():
    asked = EventQuestion.read("Facebook移除虚假账户和新iPhone SE发布是同年同月发生的吗？")
    assert (asked.kind, asked.grain, asked.events) == ("same", "month", ("Facebook移除虚假账户", "新iPhone SE发布"))
    asked = EventQuestion.read("东海的伏季休渔结束与中国人民银行辟谣是否在同一年8月？")
    assert (asked.kind, asked.grain) == ("same", "month")


@pytest.mark.parametrize(
    "question",
    [
        "中国在2008年之前举办过奥运会吗？",  # a time, not an event, after 在
        "杜苏芮登陆是否在2023年之前？",
        "今年春节比去年晚吗？",
        "他在加入公司之前做什么？",  # no judgement asked
        "A股和港股都是今天上涨的吗？",  # 今天上涨 is no period alone
        "这两家公司都是上市公司吗？",
        "紐倫堡審判發生在哪一場戰爭之後?",  # asks a thing
        "用拉丁文屬名的命名方法最早於哪邊出現？",
        "武磊在巴塞罗那德比进球与P2P行业退出历史舞台，哪个事件发生得更早？",  # 比 of 德比; an order
        "习近平考察清华大学的时间比齐达内辞职是更早还是更晚？",
    ],
)
def test_what_is_no_judgement_on_events(question):
    asked = EventQuestion.read(question)
    assert asked is None or asked.kind not in ("before", "within")
