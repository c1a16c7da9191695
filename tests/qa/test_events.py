"""Questions about several events: the parser on hand-made questions in both scripts, and the
computed answers (order, same period, interval, dates, a missing event) over the small real index."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from newsqa.chinese import polarity
from newsqa.config import Settings
from newsqa.qa.events import EventAnswerer, EventQuestion, event_date
from newsqa.qa.pipeline import NewsQA
from newsqa.timex import TimeSpan, show_date
from newsqa.types import Chunk, Document, RetrievedChunk

# ---------------------------------------------------------------------------- reading the question


@pytest.mark.parametrize(
    ("question", "kind", "events", "extra"),
    [
        ("康达访问越南和红魔9 Pro系列手机发布哪个事件更早发生？", "order", ("康达访问越南", "红魔9 Pro系列手机发布"), "earliest"),
        ("康達訪問越南和紅魔9 Pro系列手機發布，哪個事件更晚發生？", "order", ("康達訪問越南", "紅魔9 Pro系列手機發布"), "latest"),
        ("嫦娥四号成果发表、武汉住院患者清零与普京签署文件，哪个事件最早发生？", "order",
         ("嫦娥四号成果发表", "武汉住院患者清零与普京签署文件"), "earliest"),
        ("贝尼奥夫和乔布斯会面、哈伯德参加东京奥运会和张晓强成为台州市市长，哪个事件发生得最早？", "order",
         ("贝尼奥夫和乔布斯会面", "哈伯德参加东京奥运会", "张晓强成为台州市市长"), "earliest"),
        ("在以下事件中，最早发生的是哪个？2024年高能所发布重大发现，2020年四川新增境外输入病例，2022年佩斯科夫评论。", "order",
         ("2024年高能所发布重大发现", "2020年四川新增境外输入病例", "2022年佩斯科夫评论"), "earliest"),
        ("以下事件中，哪个最早发生：伊朗发布无人机视频、内塔尼亚胡飞机事故、小朱网游被骗？", "order",
         ("伊朗发布无人机视频", "内塔尼亚胡飞机事故", "小朱网游被骗"), "earliest"),
        ("英国脱欧协议生效和武汉解除离汉离鄂通道管控是在同一个月吗？", "same", ("英国脱欧协议生效", "武汉解除离汉离鄂通道管控"), "month"),
        ("英國脫歐協議生效與武漢解除離漢離鄂通道管控是同一年發生的嗎？", "same", ("英國脫歐協議生效", "武漢解除離漢離鄂通道管控"), "year"),
        ("米舒斯京被任命为俄罗斯总理和辽宁辽阳婴儿被救事件是发生在同一天吗？", "same", ("米舒斯京被任命为俄罗斯总理", "辽宁辽阳婴儿被救事件"), "day"),
        ("嫦娥五号发射和返回器着陆相隔多少天？", "interval", ("嫦娥五号发射", "返回器着陆"), "day"),
        ("杜苏芮登陆和卡努登陆谁先？", "order", ("杜苏芮登陆", "卡努登陆"), "earliest"),
        ("杜蘇芮登陸跟卡努登陸哪個先發生？", "order", ("杜蘇芮登陸", "卡努登陸"), "earliest"),
        ("何平和露丝·巴德·金斯伯格分别于什么时候去世？", "dates", ("何平", "露丝·巴德·金斯伯格"), None),
        # 和 inside a name is not a split: 中华人民共和国, 羲和号
        ("长春机场启动预警和中华人民共和国人大常委会审议草案，哪个事件发生得更早？", "order",
         ("长春机场启动预警", "中华人民共和国人大常委会审议草案"), "earliest"),
        ("我国发射羲和号卫星与美国决定从阿富汗撤军哪个事件先发生？", "order", ("我国发射羲和号卫星", "美国决定从阿富汗撤军"), "earliest"),
        # what is not an event: a list's head, a count, a year on its own, a leading 相比, numbering
        ("在2020年这几个事件中，阿迪达斯与麦当劳的联名产品发售、西昌泸山森林大火、林丹宣布退役，哪个事件最早发生？", "order",
         ("阿迪达斯与麦当劳的联名产品发售", "西昌泸山森林大火", "林丹宣布退役"), "earliest"),
        ("2023年中央一号文件发布、特朗普发表讲话、舒淇分享合影，这三件事哪个最早发生？", "order",
         ("2023年中央一号文件发布", "特朗普发表讲话", "舒淇分享合影"), "earliest"),
        ("杜兆才被查和张晓被任命两个事件，今年哪个发生得更早？", "order", ("杜兆才被查", "张晓被任命"), "earliest"),
        ("2024年发生的事件中，宝马宣布停止价格战、王旺盛被任命为呼伦贝尔市委书记、理想汽车全线产品降价，哪个事件最早发生？", "order",
         ("宝马宣布停止价格战", "王旺盛被任命为呼伦贝尔市委书记", "理想汽车全线产品降价"), "earliest"),
        ("相比辽宁男篮负于迪拜青年国民，上海海港队追平连胜纪录哪个事件更晚发生？", "order",
         ("辽宁男篮负于迪拜青年国民", "上海海港队追平连胜纪录"), "latest"),
        ("以下哪个事件发生得最早：1. 男性尸体被发现 2. 张伦硕转发舞蹈视频 3. 王婉霏接受治疗？", "order",
         ("男性尸体被发现", "张伦硕转发舞蹈视频", "王婉霏接受治疗"), "earliest"),
        # 下调和 joins; the colon of Run:AI is no list's colon; 与 before a year joins two dated events
        ("2024年1月1日存量房贷利率下调和2024年3月13日金矿坠罐事故哪个事件更早发生？", "order",
         ("2024年1月1日存量房贷利率下调", "2024年3月13日金矿坠罐事故"), "earliest"),
        ("热火队对阵湖人、黄仁勋参加英伟达年会、英伟达与Run:AI谈判，哪个事件最早发生在2024年？", "order",
         ("热火队对阵湖人", "黄仁勋参加英伟达年会", "英伟达与Run:AI谈判"), "earliest"),
        ("2020年公安机关通报赌博犯罪、2021年奥密克戎被列为关注变异株、2023年中越对接会与2024年HIV参军裁定，最早发生的是哪个事件？",
         "order", ("2020年公安机关通报赌博犯罪", "2021年奥密克戎被列为关注变异株", "2023年中越对接会", "2024年HIV参军裁定"),
         "earliest"),
        # a name-length part after an event belongs to it; after a comma, last, it is the subject
        ("加拿大停止与中国自由贸易谈判、中央政治局讨论房地产调控政策、日本特大地震和海啸，哪一个事件发生得最早？", "order",
         ("加拿大停止与中国自由贸易谈判", "中央政治局讨论房地产调控政策", "日本特大地震和海啸"), "earliest"),
        ("京杭大运河北京段实现全线旅游通航、摩根士丹利华鑫基金完成股权转让、更名和美联储维持联邦基金利率不变，哪个事件最早发生？",
         "order", ("京杭大运河北京段实现全线旅游通航", "摩根士丹利华鑫基金完成股权转让、更名", "美联储维持联邦基金利率不变"),
         "earliest"),
        ("禁止厅局级干部配偶从事私募股权基金工作、不向非国家实体出口弹药，中国哪个政策更早发布？", "order",
         ("禁止厅局级干部配偶从事私募股权基金工作", "不向非国家实体出口弹药"), "earliest"),
        ("A股下跌和海啸哪个更早？", "order", ("A股下跌", "海啸"), "earliest"),  # two events stay two
        # 先登陆 asks an order
        ("杜苏芮和卡努哪个先登陆？", "order", ("杜苏芮", "卡努"), "earliest"),
        # a quote that closes inside the event stays with it
        ("国务院的意见发布和民进党回应“关注31条”哪个事件发生得更早？", "order", ("国务院的意见发布", "民进党回应“关注31条”"), "earliest"),
    ],
)
def test_reads_the_events_and_what_is_asked(question, kind, events, extra):
    asked = EventQuestion.read(question)
    assert asked is not None
    assert (asked.kind, asked.events) == (kind, events)
    if kind == "order":
        assert asked.direction == extra
    elif extra is not None:
        assert asked.grain == extra


def test_three_events_joined_by_he_can_be_read_as_three():
    asked = EventQuestion.read("杜苏芮登陆和卡努登陆和梅花登陆哪个最早？")
    assert asked.superlative
    assert ("杜苏芮登陆", "卡努登陆", "梅花登陆") in (asked.events, *asked.alternatives)


@pytest.mark.parametrize(
    ("question", "reading"),
    [
        # names listed before the verb they share: the whole list split in two at a 和
        ("德国、荷兰和加拿大派遣军舰前往南海的事件和美国国务院放宽难民接收资格哪个发生得更早？",
         ("德国、荷兰和加拿大派遣军舰前往南海的事件", "美国国务院放宽难民接收资格")),
        # a 、 inside one event, the events parted by a comma
        ("北京东城区、西城区和通州区开始实施道路停车改革，浙江证监局对宋城演艺高层采取措施哪个发生得更早？",
         ("北京东城区、西城区和通州区开始实施道路停车改革", "浙江证监局对宋城演艺高层采取措施")),
    ],
)
def test_a_list_inside_an_event_is_one_of_the_readings(question, reading):
    asked = EventQuestion.read(question)
    assert asked.comparative and reading in (asked.events, *asked.alternatives)


def test_an_ambiguous_list_keeps_its_other_readings():
    asked = EventQuestion.read("汪小菲和大S参加女儿幼儿园毕业典礼和周铁农同志逝世哪个事件更早？")
    readings = (asked.events, *asked.alternatives)
    assert ("汪小菲和大S参加女儿幼儿园毕业典礼", "周铁农同志逝世") in readings
    assert asked.comparative and not asked.superlative  # 更早: two events, so not the reading with three
    assert not EventQuestion.read("杜苏芮登陆和卡努登陆和梅花登陆哪个最早？").comparative


@pytest.mark.parametrize(
    "question",
    [
        "上海自貿區是哪一天掛牌的？",
        "日本過去有相當多位女天皇，但自哪一年之後就再也沒出現過了?",  # 哪…之後 is no comparison
        "1211年起，尼西亞帝國開始陸續收復領土，先後消滅伊庇魯斯專制國和哪個國家?",  # 先後: one after another
        "在車輛的歷史中，最先出現的是哪種車輛?",
        "貴昆鐵路、成昆鐵路等都是西元幾年後昆明通往外省的鐵路?",
        "去年9月哪个飓风对利比亚东部造成严重破坏？",
        "",
    ],
)
def test_other_questions_are_not_about_several_events(question):
    assert EventQuestion.read(question) is None


# ---------------------------------------------------------------------------- dating one event


def _hit(text: str, date: str | None, title: str = "标题", doc_id: str = "d.txt") -> RetrievedChunk:
    document = Document(doc_id=doc_id, title=title, text=text, date=date, source_file=doc_id)
    chunk = Chunk(chunk_id=f"{doc_id}#0", doc_id=doc_id, ordinal=0, text=text, start=0, end=len(text), embed_text=text)
    return RetrievedChunk(chunk=chunk, document=document, score=1.0)


class _Listed:
    """A retriever that returns the same stories whatever it is asked, and records the queries."""

    def __init__(self, hits: list[RetrievedChunk]):
        self.hits, self.queries = hits, []

    def run(self, query, k, *, as_of=None, within=None):
        self.queries.append(query)
        return self.hits[:k]


def test_a_year_heading_the_list_puts_every_event_in_it():
    asked = EventQuestion.read("在2023年，A股市场整体下跌和北京暴雨这两个事件是发生在同一个月吗？")
    assert asked.events == ("A股市场整体下跌", "北京暴雨") and asked.scope == "2023年"
    assert EventQuestion.read("2024年发生的事件中，神舟十八号发射和巴黎奥运会开幕哪个更早？").scope == "2024年"
    # a year inside the first event is that event's own; a relative head is not read
    assert EventQuestion.read("2024年特斯拉股价大跌和北京暴雨是发生在同一个月吗？").scope == ""
    assert EventQuestion.read("去年，A股市场整体下跌和北京暴雨哪个更早？").scope == ""

    rain_2020 = replace(_hit("2020年8月12日，北京暴雨，多条道路积水。", "2020-08-12"), score=0.9)
    rain_2023 = _hit("2023年7月31日，北京暴雨，门头沟区降雨量创纪录。", "2023-07-31")
    stocks = _hit("2023年7月24日，A股市场整体下跌，上证综指跌0.5%。", "2023-07-24")
    retriever = _Listed([rain_2020, rain_2023, stocks])
    answer = EventAnswerer(retriever).run(asked)
    assert answer.answer.startswith("是的：") and "北京暴雨在2023年7月31日" in answer.answer
    assert "2023年北京暴雨" in retriever.queries
    # without the head, the first story of 北京暴雨 dates it (in an order; a same-period judgement
    # would take the story of the other event's month among equals)
    unscoped = EventQuestion.read("A股市场整体下跌和北京暴雨哪个更早？")
    assert EventAnswerer(_Listed([rain_2020, rain_2023, stocks])).run(unscoped).answer.startswith("北京暴雨更早（2020年8月12日")
    scoped = EventQuestion.read("在2023年，A股市场整体下跌和北京暴雨哪个更早？")
    assert EventAnswerer(_Listed([rain_2020, rain_2023, stocks])).run(scoped).answer.startswith("A股市场整体下跌更早（2023年7月24日")


def test_a_same_period_question_means_the_story_of_the_other_event_s_period_among_equals():
    asked = EventQuestion.read("普京发表讲话和北京发布新政策是在同一个月吗？")
    putin_dec = _hit("2023年12月6日，普京发表讲话。", "2023-12-06", doc_id="a.txt")
    putin_jun = _hit("2024年6月5日，普京发表讲话，谈及乌克兰。", "2024-06-05", doc_id="b.txt")
    beijing_sep = _hit("2023年9月1日，北京发布新政策。", "2023-09-01", doc_id="c.txt")
    beijing_dec = _hit("2023年12月20日，北京发布新政策。", "2023-12-20", doc_id="d.txt")
    answer = EventAnswerer(_Listed([putin_dec, beijing_sep, beijing_dec])).run(asked).answer
    assert answer == "是的：普京发表讲话在2023年12月6日[1]，北京发布新政策在2023年12月20日[2]。"
    # one event's story is swapped, never both: generic events would always find a month
    beijing_jun = _hit("2024年6月26日，北京发布新政策。", "2024-06-26", doc_id="e.txt")
    answer = EventAnswerer(_Listed([putin_dec, beijing_sep, putin_jun, beijing_jun])).run(asked).answer
    assert answer.startswith("不是：普京发表讲话在2023年12月6日[1]，北京发布新政策在2023年9月1日")
    # a story that fits the event worse is no equal
    weak = _hit("2023年9月3日，普京出席活动。", "2023-09-03", doc_id="f.txt")
    answer = EventAnswerer(_Listed([putin_dec, beijing_sep, weak])).run(asked).answer
    assert answer.startswith("不是：普京发表讲话在2023年12月6日")


def test_a_reading_without_bare_names_is_preferred():
    asked = EventQuestion.read("索尼、微软、任天堂反对加征关税和郑渊洁举报的盗版案告破是同一年发生的吗？")
    assert asked.events[0] == "索尼"  # the list read at its 、 first
    hits = [_hit("2019年6月17日，索尼、微软、任天堂反对加征关税。", "2019-06-17", doc_id="a.txt"),
            _hit("2019年8月10日，郑渊洁举报的盗版案告破。", "2019-08-10", doc_id="b.txt")]
    answer = EventAnswerer(_Listed(hits)).run(asked).answer
    assert answer.startswith("是的：索尼、微软、任天堂反对加征关税在2019年6月17日[1]，郑渊洁举报的盗版案告破在2019年8月10日[2]")


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("普京发表讲话是否在北京发布新政策之前？", "不是："),
        ("北京发布新政策是否在普京发表讲话之前？", "是的："),
        ("普京发表讲话比北京发布新政策晚吗？", "是的："),
        ("普京發表講話和北京發布新政策都是2023年發生的嗎？", "是的："),
        ("普京发表讲话和北京发布新政策都是2023年12月发生的吗？", "不是："),
        ("普京发表讲话和北京发布新政策都是去年发生的吗？", "是的："),  # asked on 2024-11-12
        ("普京发表讲话和北京发布新政策都是今年发生的吗？", "不是："),
    ],
)
def test_judgements_on_order_and_period_are_computed(question, said):
    putin = _hit("2023年12月6日，普京发表讲话。", "2023-12-06", doc_id="a.txt")
    beijing = _hit("2023年9月1日，北京发布新政策。", "2023-09-01", doc_id="b.txt")
    answer = EventAnswerer(_Listed([putin, beijing])).run(EventQuestion.read(question), as_of=dt.date(2024, 11, 12))
    assert answer.answer.startswith(said) and answer.answer_type == "judgement"
    assert "2023年12月6日[" in answer.answer and "2023年9月1日[" in answer.answer


def test_a_period_judgement_takes_the_story_of_that_period_among_equals():
    asked = EventQuestion.read("普京发表讲话和北京发布新政策都是2024年发生的吗？")
    hits = [_hit("2023年12月6日，普京发表讲话。", "2023-12-06", doc_id="a.txt"),
            _hit("2024年6月5日，普京发表讲话，谈及乌克兰。", "2024-06-05", doc_id="b.txt"),
            _hit("2024年6月26日，北京发布新政策。", "2024-06-26", doc_id="c.txt")]
    assert EventAnswerer(_Listed(hits)).run(asked).answer == (
        "是的：普京发表讲话在2024年6月5日[1]，北京发布新政策在2024年6月26日[2]。")


def test_each_event_is_searched_in_its_own_period_when_the_head_gives_one_each():
    asked = EventQuestion.read("2024年2月和3月，阿巴斯和理想汽车分别在什么日期进行了重要变更？")
    assert asked.events == ("阿巴斯", "理想汽车") and asked.respective == ("2024年2月", "2024年3月")
    retriever = _Listed([_hit("2024年2月26日，阿巴斯宣布改组政府。", "2024-02-26", doc_id="a.txt"),
                         _hit("2024年3月12日，理想汽车调整组织架构。", "2024-03-12", doc_id="b.txt")])
    assert EventAnswerer(retriever).run(asked).answer == "阿巴斯在2024年2月26日[1]，理想汽车在2024年3月12日[2]。"
    assert retriever.queries == ["2024年2月阿巴斯", "2024年3月理想汽车"]
    # one month for all: a shared scope, as a year is
    assert EventQuestion.read("2024年5月，苹果iPad Pro和小米MIX Flip分别什么时候正式发布？").scope == "2024年5月"


def test_a_lead_that_tells_a_plan_does_not_date_the_event_by_its_story():
    plan = "吉利汽车宣布，其自研的AI大模型将于下半年对外发布。"
    assert event_date("吉利发布AI大模型", _hit(plan, "2023-07-31")).when is None
    done = "吉利汽车发布了自研的AI大模型。"
    assert event_date("吉利发布AI大模型", _hit(done, "2023-07-31")).when.start == dt.date(2023, 7, 31)


def test_an_event_is_dated_by_the_sentence_that_tells_it():
    text = "2020年7月22日，大连两个社区被划为中风险地区。连续14天无新增病例后，这两个社区于8月8日解除封锁。"
    dated = event_date("大连社区解除封锁", _hit(text, "2020-07-22"))
    # the year-less 8月8日 takes the year of the passage's dateline, not the year before
    assert (dated.when.start, dated.when.grain) == (dt.date(2020, 8, 8), "day")
    assert text[dated.start : dated.end].startswith("连续14天")


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        # an undated story: the sentence naming the event best states no date, the next one does
        ("费孝通访问开弦弓村", "开弦弓村位于苏州市吴江区，是费孝通研究乡土中国的基地。自1936年起，费孝通多次访问，记录村庄。", "1936年"),
        ("卡佩拉加入老鹰队", "老鹰队在与森林狼的比赛中，卡佩拉获得三双数据。卡佩拉于2020年2月被交易至老鹰队。", "2020年2月"),
    ],
)
def test_an_undated_event_takes_the_date_of_a_sentence_telling_it_almost_as_well(name, text, said):
    dated = event_date(name, _hit(text, None))
    assert dated.when is not None and dated.when.text == said
    assert said in text[dated.start : dated.end]
    # a sentence that shares little of the event does not date it
    assert event_date(name, _hit(text.split("。")[0] + "。2017年，村里发展特色农业。", None)).when is None


def test_the_result_asked_of_an_event_is_not_a_word_its_story_must_hold():
    hit = _hit("2023年9月29日，意甲第6轮比赛，罗马客场以1-4负于热那亚。", "2023-09-29")
    dated = event_date("罗马对阵热那亚的比赛结果", hit)
    assert dated.when.start == dt.date(2023, 9, 29)
    assert dated.coverage > event_date("罗马对阵热那亚的比赛结局", hit).coverage  # 结局 is a word to hold


def test_an_event_without_a_date_in_its_passage_takes_the_story_date():
    dated = event_date("梅西检测结果呈阳性", _hit("阿根廷球星梅西新冠病毒检测结果呈阳性，正在自我隔离。", "2021-01-02"))
    assert dated.when.start == dt.date(2021, 1, 2)
    assert dated.coverage > 0.5


def test_a_year_the_sentence_states_dates_the_event_at_that_grain():
    text = "上海自贸区于2013年9月29日挂牌。2014年，自贸区扩区到120.72平方公里，范围包括陆家嘴。"
    deep = _hit(text, "2021-01-10")
    deep.chunk.start = 900  # not the story's lead: the story's date is not the event's
    dated = event_date("自贸区扩区到120.72平方公里", deep)
    assert (dated.when.start, dated.when.grain) == (dt.date(2014, 1, 1), "year")


def test_a_sentence_deep_in_a_story_is_not_dated_by_the_story_date():
    text = "浦东新区区委认为，自贸区扩区是落实全面深化改革的重要机遇。外高桥有大量监管部门。陆家嘴有一行三会。"
    deep = _hit(text, "2021-01-10")
    deep.chunk.start = 900  # a passage from the middle of a long story
    assert event_date("陆家嘴有一行三会", deep).when is None  # reported on 2021-01-10, not done then
    lead = _hit(text, "2021-01-10")
    assert event_date("浦东新区区委认为自贸区扩区是重要机遇", lead).when.start == dt.date(2021, 1, 10)


@pytest.mark.parametrize(
    ("text", "story", "day"),
    [
        ("28日9时55分，台风杜苏芮在福建晋江沿海登陆。", "2023-07-28", "2023-07-28"),
        ("预计台风将于28日登陆福建。", "2023-07-27", "2023-07-28"),  # a forecast: the day after
        ("28日，大运会在成都开幕。", "2023-08-02", "2023-07-28"),  # the month before
        ("新规3日起实施。", "2023-12-28", "2024-01-03"),  # the month (and year) after
        ("该方案于3月13日发布。", "2024-03-14", "2024-03-13"),
    ],
)
def test_a_passage_s_days_without_month_or_year_are_read_near_its_story_date(text, story, day):
    from newsqa.timex import story_times

    times = story_times(text, dt.date.fromisoformat(story))
    assert [t.start.isoformat() for t in times] == [day]


def test_dates_are_shown_at_their_grain():
    day = dt.date(2024, 1, 1)
    assert show_date(TimeSpan(day, day, "day", "", False)) == "2024年1月1日"
    assert show_date(TimeSpan(day, dt.date(2024, 1, 31), "month", "", False)) == "2024年1月"
    # a period: the second end without the year (and month) it shares with the first, as news writes it
    assert show_date(TimeSpan(day, dt.date(2024, 6, 30), "month", "上半年", False)) == "2024年1月至6月"
    assert show_date(TimeSpan(dt.date(2019, 11, 17), dt.date(2019, 12, 29), "day", "", False)) == "2019年11月17日至12月29日"
    assert show_date(TimeSpan(dt.date(2021, 5, 12), dt.date(2021, 5, 20), "day", "", False)) == "2021年5月12日至20日"
    assert show_date(TimeSpan(dt.date(2019, 12, 30), dt.date(2020, 1, 5), "day", "", False)) == "2019年12月30日至2020年1月5日"
    assert show_date(TimeSpan(dt.date(2019, 1, 1), dt.date(2021, 12, 31), "year", "", False)) == "2019年至2021年"


# ---------------------------------------------------------------------------- answers over a real index


@pytest.fixture(scope="module")
def qa(small_news_index, e5_model_dir):
    return NewsQA(Settings.load(embedding_model=str(e5_model_dir)), small_news_index)


def _cited(answer) -> set[str]:
    return {c.doc_id for c in answer.citations}


def test_which_came_first_is_computed_with_one_citation_per_event(qa):
    answer = qa.ask("嫦娥五号发射升空和杭州亚运会开幕，哪个事件更早？")
    assert not answer.abstained
    assert answer.answer.startswith("嫦娥五号发射升空更早（2020年11月24日[")
    assert "2023年9月23日" in answer.answer
    assert _cited(answer) == {"change5.txt", "hangzhou-games.txt"}
    for c in answer.citations:  # each citation highlights the sentence that states the date
        assert any(d in c.text[c.highlight_start : c.highlight_end] for d in ("2020年11月24日", "2023年9月23日"))


def test_traditional_question_gets_a_traditional_answer(qa):
    answer = qa.ask("臺灣高鐵通車和故宮南部院區開館，哪個比較晚？")
    assert answer.script == "hant"
    assert answer.answer.startswith("故宮南部院區開館更晚（2015年12月28日[")
    assert "2007年1月5日" in answer.answer


def test_same_month_and_same_year_are_judged_yes_or_no(qa):
    month = qa.ask("嫦娥五号发射升空和嫦娥五号返回器着陆是同一个月发生的吗？")
    year = qa.ask("嫦娥五号发射升空和嫦娥五号返回器着陆是同一年吗？")
    assert polarity(month.answer) is False and month.answer.startswith("不是")
    assert polarity(year.answer) is True and year.answer.startswith("是的")
    assert "2020年12月17日" in month.answer


def test_an_interval_is_counted_in_days(qa):
    answer = qa.ask("嫦娥五号发射升空和返回器携带月球样品着陆相隔多少天？")
    assert answer.answer.startswith("相隔23天")


def test_each_event_date_for_a_dates_question(qa):
    answer = qa.ask("三峡大坝正式动工和上海地铁1号线开通试运营分别是什么时候？")
    assert "1994年12月14日" in answer.answer and "1993年5月28日" in answer.answer
    assert _cited(answer) == {"three-gorges.txt", "shanghai-metro.txt"}


def test_an_event_no_article_tells_is_named_and_nothing_is_guessed(qa):
    answer = qa.ask("嫦娥五号发射升空和火星车登陆乌托邦平原哪个更早？")
    assert answer.abstained
    assert "「火星车登陆乌托邦平原」" in answer.answer
    assert "更早" not in answer.answer


def test_a_date_range_limits_the_events_too(qa):
    from newsqa.timex import DateRange

    answer = qa.ask("嫦娥五号发射升空和杭州亚运会开幕，哪个事件更早？", within=DateRange.parse("2023-01-01", None))
    assert answer.abstained  # the 2020 story is outside the range: its event is not dated from another
    assert "嫦娥五号发射升空" in answer.answer


def test_a_period_that_holds_the_other_event_s_day_gives_no_order():
    from newsqa.qa.events import _WORDS, _compute

    asked = EventQuestion.read("台风山竹登陆和台风杜苏芮登陆哪个更早？")
    july = TimeSpan(dt.date(2023, 7, 2), dt.date(2023, 8, 1), "day", "7月2日至8月1日", False)
    day = TimeSpan(dt.date(2023, 7, 28), dt.date(2023, 7, 28), "day", "28日", False)
    dated = [event_date(asked.events[0], _hit("x", None)), event_date(asked.events[1], _hit("y", None))]
    dated = [replace(dated[0], when=july), replace(dated[1], when=day)]
    text = _compute(asked, dated, {0: "2023年7月2日至2023年8月1日[1]", 1: "2023年7月28日[2]"}, _WORDS["hans"])
    assert text.startswith("无法判断先后：")


@pytest.mark.parametrize(("question", "said"), [
    ("台风山竹登陆和台风杜苏芮登陆是同一天吗？", "无法判断："),
    ("颱風山竹登陸和颱風杜蘇芮登陸是同一天嗎？", "無法判斷："),  # not 「無法判斷先後」
])
def test_a_judgement_on_a_coarse_date_says_it_cannot_tell(question, said):
    from newsqa.qa.events import _WORDS, _compute

    asked = EventQuestion.read(question)
    month = TimeSpan(dt.date(2023, 7, 1), dt.date(2023, 7, 31), "month", "7月", False)
    day = TimeSpan(dt.date(2023, 7, 28), dt.date(2023, 7, 28), "day", "28日", False)
    dated = [replace(event_date(asked.events[0], _hit("x", None)), when=month),
             replace(event_date(asked.events[1], _hit("y", None)), when=day)]
    script = "hant" if said.startswith("無") else "hans"
    text = _compute(asked, dated, {0: "2023年7月[1]", 1: "2023年7月28日[2]"}, _WORDS[script])
    assert text.startswith(said) and "先" not in text


def test_a_day_the_question_states_dates_its_event(qa):
    # an event no passage tells is dated by the day the question gives it (and not cited);
    # the other is dated and cited from its passage
    answer = qa.ask("2020年11月24日嫦娥五号发射升空和2020年11月25日某地举办灯会，哪个事件更早？")
    assert not answer.abstained
    assert answer.answer.startswith("2020年11月24日嫦娥五号发射升空更早（2020年11月24日[1]）")
    assert answer.answer.endswith("2020年11月25日某地举办灯会在2020年11月25日。")
    assert _cited(answer) == {"change5.txt"}
