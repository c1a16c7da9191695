"""The news reader: scraped news files as they come (header glued to the body by 「正文：」).

The lines are hand-made in the layouts of the CRUD news set (``../shared/data/crud_news``):
headers with and without a year, 来源 headers, 原标题 run into the lead, bylines,
datelines, photo credits and site trailers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from newsqa.index.chunker import SentenceChunker
from newsqa.ingest.loaders import load_file
from newsqa.ingest.parsers import ArticleParser, DateDefaults

SEED = Path(__file__).resolve().parents[2] / "data" / "articles" / "000_8cf7c1ad8f2038b8.txt"
CRUD = Path(__file__).resolve().parents[3] / "shared" / "data" / "crud_news" / "articles"
BODY = "近日，某市举行了暑期安全教育活动，共有200名学生参加。活动持续两天。"


def read(text: str, dates: DateDefaults | None = None, name: str = "doc.txt"):
    docs = ArticleParser(dates).run(text, source_file=name)
    assert len(docs) == 1
    return docs[0]


def assert_slice_of_file(doc, raw: str) -> None:
    """``doc.text`` is the file's text at its offset, character for character (blanked credits aside)."""
    offset = doc.metadata["offset_in_file"]
    piece = raw[offset : offset + len(doc.text)]
    assert len(piece) == len(doc.text)
    blanked = {i for s, e, _ in doc.metadata.get("credits", []) for i in range(s, e)}
    for i, (mine, theirs) in enumerate(zip(doc.text, piece)):
        assert mine == theirs or (i in blanked and mine == " "), (i, mine, theirs)


# ---------------------------------------------------------------------------- header layouts


@pytest.mark.parametrize(
    "header, date, time",
    [
        ("2023-07-29 06:53:40，", "2023-07-29", "06:53:40"),
        ("2023-08-03，", "2023-08-03", None),
        ("23-07-28 21:52，", "2023-07-28", "21:52"),  # a two-digit year
        ("202308/09 15:42:11，", "2023-08-09", "15:42:11"),
        ("[2023/08/12  09:39]，", "2023-08-12", "09:39"),
        ("[              2023/08/15  16:13              ]，", "2023-08-15", "16:13"),
        ("2023年07月23日，", "2023-07-23", None),
        ("2023年08月14日 17:17:08 来自四川，", "2023-08-14", "17:17:08"),
        ("华夏经纬网 > 新闻 > 大陆新闻 > 社会综合      2023-07-31 15:23:04  ，", "2023-07-31", "15:23:04"),
        ("2023-07-26        ，", "2023-07-26", None),
    ],
)
def test_header_dates_with_a_year_are_read_and_kept_out_of_the_body(header, date, time):
    raw = header + "正文：" + BODY
    doc = read(raw)
    assert doc.date == date and doc.metadata["date_from"] == "header"
    assert doc.metadata.get("time") == time
    assert doc.text == BODY
    assert_slice_of_file(doc, raw)


@pytest.mark.parametrize("header", ["07-20 17:17，", "8-18 17:24，", "07/31，", "07/21  08:53，", "07月28日 08:28，",
                                    "[\t\t\t07/18\t\t\t]，"])
def test_a_header_date_without_a_year_stays_undated_with_a_warning(header, caplog):
    with caplog.at_level(logging.WARNING, logger="newsqa.ingest.parsers"):
        doc = read(header + "正文：" + BODY, name="doc_0005.txt")
    assert doc.date is None and "date_from" not in doc.metadata
    assert doc.metadata["month_day"].startswith("--")
    assert doc.text == BODY
    warning = caplog.text
    assert "doc_0005.txt" in warning and "no year" in warning and "--default-year" in warning


def test_a_year_less_header_date_takes_the_year_of_default_year_or_date():
    raw = "08-18 05:47，正文：" + BODY
    doc = read(raw, DateDefaults(year=2023))
    assert doc.date == "2023-08-18"
    assert (doc.metadata["date_from"], doc.metadata["year_from"]) == ("header", "option")
    assert read(raw, DateDefaults(date="2023-08-20")).date == "2023-08-18"
    assert read("12-30 23:10，正文：" + BODY, DateDefaults(date="2024-01-02")).date == "2023-12-30"  # the nearest year


def test_no_header_date_no_dateline_and_the_date_option():
    doc = read("，正文：" + BODY)
    assert doc.date is None and "header" not in doc.metadata and doc.text == BODY
    doc = read("，正文：" + BODY, DateDefaults(date="2023-08-15"))
    assert (doc.date, doc.metadata["date_from"]) == ("2023-08-15", "option")
    assert read("，正文：" + BODY, DateDefaults(year=2023)).date is None  # a year alone dates no article


def test_date_defaults_refuse_what_is_not_a_year_or_a_date():
    for bad in ({"year": 99}, {"year": 2300}, {"date": "2023-02-30"}, {"date": "15.8.2023"}, {"date": "2023-8-5"}):
        with pytest.raises(ValueError):
            DateDefaults(**bad)
    assert not DateDefaults() and DateDefaults(year=2023).option == "--default-year 2023"


def test_a_year_in_the_body_never_becomes_the_date():
    # the shape of doc_0086: a year-less header, a dateline without a year, 2024 in the body
    raw = "08-11 12:00，正文：财联社8月11日讯（实习编辑 陈晓倩）据报道，某零售集团正在筹集资金，以帮助其在2024年顺利上市。"
    doc = read(raw)
    assert doc.date is None and doc.metadata["month_day"] == "--08-11"
    # and doc_0300's: a history year right after the dateline
    assert read("8-15 09:27，正文：中新网8月15日电 从1931年到1945年，中国一半国土被侵略者践踏。").date is None
    # with a header that states its year, the body's numbers are irrelevant
    assert read("2023-08-11 12:00，正文：据报道，该集团计划在2024年8月1日上市。").date == "2023-08-11"


def test_datelines_date_an_article_without_a_header_date():
    doc = read("，正文：深圳新闻网2023年7月27日讯 （记者 曹园芳）7月26日，某大会在深圳闭幕。")
    assert (doc.date, doc.metadata["date_from"]) == ("2023-07-27", "dateline")
    assert (doc.source, doc.metadata["author"]) == ("深圳新闻网", "曹园芳")
    doc = read("，正文：中新社北京8月12日电 (记者 刘文文)暑运出行高峰持续。")  # no year anywhere
    assert doc.date is None and doc.metadata["month_day"] == "--08-12" and doc.source == "中新社"
    assert read("，正文：中新社北京8月12日电 暑运出行高峰持续。", DateDefaults(year=2023)).date == "2023-08-12"


def test_a_year_less_header_takes_the_year_a_dateline_states():
    doc = read("07-28 09:23，正文：深圳新闻网2023年7月27日讯 某大会在深圳闭幕。")
    assert (doc.date, doc.metadata["year_from"]) == ("2023-07-28", "dateline")


def test_source_headers_give_the_outlet_without_their_tails():
    raw = "来源：浙江日报  |  2023年07月29日 09:06:44，正文：                本报杭州7月28日讯 （记者 万笑影） 7月28日上午，省政协举行论坛。"
    doc = read(raw)
    assert (doc.source, doc.date) == ("浙江日报", "2023-07-29")  # 本报 names no outlet; the header does
    assert doc.metadata["author"] == "万笑影"
    assert doc.text.startswith("本报杭州7月28日讯")
    assert_slice_of_file(doc, raw)
    doc = read("2023-08-01 09:16 \xa0来源：                        成都日报                            ，正文：近日，台风登陆。")
    assert (doc.source, doc.date, doc.text) == ("成都日报", "2023-08-01", "近日，台风登陆。")
    assert read("来源：海外网，正文：    山火现场海外网8月14日消息，山火已造成93人遇难。").source == "海外网"


def test_a_source_line_at_the_top_of_the_body_is_metadata():
    doc = read("，正文：来源：人民网－湖北频道盛夏时节，武汉极端天气频发。")
    assert (doc.source, doc.text) == ("人民网－湖北频道", "盛夏时节，武汉极端天气频发。")
    doc = read("，正文：来源：新浪娱乐电影《志愿军》海报新浪娱乐讯8月17日晚，电影发布致歉声明。")
    assert (doc.source, doc.text) == ("新浪娱乐", "电影《志愿军》海报新浪娱乐讯8月17日晚，电影发布致歉声明。")


# ---------------------------------------------------------------------------- titles


def test_the_original_title_is_the_title_and_not_the_body():
    raw = "2023-08-18 08:22，正文：原标题：某地不明生物咬人事件调查组专家：鱼类受惊咬人而非捕食8月16日，多名游客在浴场被咬伤。"
    doc = read(raw)
    assert doc.title == "某地不明生物咬人事件调查组专家：鱼类受惊咬人而非捕食"
    assert doc.metadata["title_from"] == "original"
    assert doc.text == "8月16日，多名游客在浴场被咬伤。"
    assert_slice_of_file(doc, raw)


@pytest.mark.parametrize(
    "after, title, body_start",
    [
        ("某协会发起防汛救灾专项募捐北京日报客户端 | 记者 王琪鹏本市多地持续遭受强降雨。",
         "某协会发起防汛救灾专项募捐", "北京日报客户端 | 记者"),  # a byline glued on
        ("某领导与总领事会面 重申高度关注排放                中新社香港7月21日电 某领导21日会见总领事。",
         "某领导与总领事会面 重申高度关注排放", "中新社香港7月21日电"),  # spaces, then a dateline
        ("某街道举行退役军人关爱活动某街道举行退役军人关爱活动 红色基因永传承。",
         "某街道举行退役军人关爱活动", "红色基因永传承"),  # the page's heading repeated
        ("某公司 提醒投资者谨防网络诈骗的公告近日，某公司获悉有人冒充其员工。",
         "某公司 提醒投资者谨防网络诈骗的公告", "近日，某公司获悉"),  # a lead's 「近日，」
        ("感动全网的环卫工儿子录取了：某师院来源：九派新闻7月26日，环卫工儿子晒出录取结果。",
         "感动全网的环卫工儿子录取了：某师院", "7月26日，环卫工儿子"),  # 来源 after it: metadata too
        ("帮他人“翻墙”，男子朱某某被刑拘！7月20日某公安分局破获一起案件。",
         "帮他人“翻墙”，男子朱某某被刑拘！", "7月20日某公安分局"),  # no signal: its 「！」 before the 。
    ],
)
def test_where_an_original_title_run_into_the_lead_ends(after, title, body_start):
    doc = read("2023-08-01 21:16，正文：原标题：" + after)
    assert doc.title == title
    assert doc.text.startswith(body_start)
    assert "原标题" not in doc.text


def test_a_repeated_original_title_and_a_note_at_the_end():
    doc = read("2023-08-14，正文：原标题：“深化共同缔造”讲座活动圆满结束原标题：“深化共同缔造”讲座活动圆满结束！为提高意识，某孵化器举办讲座。")
    assert doc.title == "“深化共同缔造”讲座活动圆满结束" and doc.text.startswith("为提高意识")
    # 「（原标题《…》）」 at the end settles where the headline stops
    doc = read("2023-08-15，正文：原标题：心系察隅！某医疗队接同胞来深完成手术心系察隅！近日，某医院完成手术。（原标题《心系察隅！某医疗队接同胞来深完成手术》）")
    assert doc.title == "心系察隅！某医疗队接同胞来深完成手术"


def test_without_an_original_title_the_title_comes_from_the_lead_never_from_header_debris():
    for raw in ("23-08-10 23:28，正文：人民网北京8月10日电(记者杜燕飞)国家发改委9日发布通知，油价上调。",
                "，正文：倪某主持召开灾后重建领导小组会议强调全力推进重建。",
                "来源：浙江日报  |  2023年07月29日 09:06:44，正文：   本报讯 某省政协举行论坛。",
                "2023-07-29 06:53:40，正文：封面新闻记者 刘恪生7月28日晚，某灯组在开幕式上正式亮灯。"):
        doc = read(raw)
        assert doc.metadata["title_from"] == "lead"
        for debris in ("正文", "来源", "记者", "电", "2023", "23-08"):
            assert debris not in doc.title, (raw, doc.title)
        assert doc.title and doc.title[0] not in "，,：:|[ "
    assert read("，正文：中新网8月18日电 据某局网站消息，日前，某公司决定召回部分汽车。").title.startswith("某公司决定召回")


# ---------------------------------------------------------------------------- bylines and outlets


@pytest.mark.parametrize(
    "lead, source",
    [
        ("新浪娱乐讯 台湾女星宣布离婚。", "新浪娱乐"),
        ("IT之家 7 月 31 日消息，某汽车公司发布大模型。", "IT之家"),
        ("中新网兰州7月31日电 (戴文昌)某省推动协同立法。", "中新网"),
        ("新华社北京8月2日电 某委对某公司原副总经理立案审查。", "新华社"),
        ("北京日报客户端 | 记者 王琪鹏本市多地持续遭受强降雨。", "北京日报客户端"),
        ("（深圳商报记者 涂竞玉）7月27日，某公司发布报告。", "深圳商报"),
        ("【环球网报道】据某报报道，某国首相称关系原地踏步。", "环球网"),
        ("央视网消息：据中央气象台消息，昨日北方降雨。", "央视网"),
        ("荆楚网（湖北日报网）讯（通讯员丁元中）8月1日，某区开展活动。", "荆楚网"),
        ("本报讯（全媒体记者 刘晓峰）昨日，记者获悉某事。", None),  # 本报: which paper is not said
        ("据新华社电 某国一座仓库发生爆炸。", None),  # someone else's report
        ("据荔枝新闻7月31日报道，近日有人举报某事。", None),
        ("近日，某市举行活动。", None),
    ],
)
def test_the_outlet_comes_only_from_a_clear_byline_or_dateline(lead, source):
    doc = read("2023-08-01，正文：" + lead)
    assert doc.source == source
    assert doc.text == lead  # bylines and datelines stay: they open the lead sentence


@pytest.mark.parametrize(
    "lead",
    [
        "据新华社电 某国一座仓库发生爆炸。",
        "新华社电（记者 王明）某国一座仓库发生爆炸。",
        "人民网北京8月10日电(记者杜燕飞)国家发改委9日发布通知。",
        "本报讯（记者 王明）昨日，某市举行活动。",
        "（深圳商报记者 涂竞玉）7月27日，某公司发布报告。",
        "据荔枝新闻7月31日报道，近日有人举报某事。",
        "综合美国媒体报道，某国首相宣布辞职。",
        "为进一步加强安全管理，某市开展检查。",
    ],
)
def test_leads_in_traditional_script_read_as_in_simplified(lead):
    from newsqa.script import to_simplified, to_traditional

    simplified, traditional = read("2023-08-01，正文：" + lead), read("2023-08-01，正文：" + to_traditional(lead))
    assert to_simplified(traditional.title) == simplified.title
    for field in (traditional.source, traditional.metadata.get("author")):
        assert field is None or to_simplified(field) in (simplified.source, simplified.metadata.get("author"))
    assert (traditional.source is None, "author" in traditional.metadata) == (simplified.source is None, "author" in simplified.metadata)
    for wire in ("据", "电", "记者"):
        assert wire not in simplified.title


def test_authors_only_when_the_names_are_clearly_delimited():
    assert read("2023-08-01，正文：封面新闻记者 刘恪生7月28日晚，某灯组亮灯。").metadata["author"] == "刘恪生"
    assert read("2023-08-01，正文：新京报讯（记者 吴采倩 慕宏举）7月23日下午，某馆坍塌。").metadata["author"] == "吴采倩 慕宏举"
    assert read("2023-08-01，正文：荆楚网（湖北日报网）讯（记者 吕鉴蕾 通讯员 吴迪）3日下午，讲堂开展。").metadata["author"] == "吕鉴蕾"
    doc = read("2023-08-01，正文：大众网见习记者 秦成林 枣庄报道为贯彻落实会议精神，某局开展检查。")
    assert doc.metadata["author"] == "秦成林" and doc.title.startswith("为贯彻落实会议精神")
    assert "author" not in read("2023-08-01，正文：北京日报客户端 | 记者 王琪鹏本市多地持续遭受强降雨。").metadata
    assert "author" not in read("2023-08-01，正文：8月3日，在成功解困群众后，上游新闻记者了解到救援已完成。").metadata


# ---------------------------------------------------------------------------- credits and trailers


def test_photo_credits_are_not_in_the_passages_and_offsets_still_hold():
    raw = ("2023-08-17，正文：原标题：某地开展活动图为开幕式现场。某报社记者高弘杰/摄新华社杭州8月15日电 某主任15日表示要推进工作。"
           "运动员入场式 董腾飞/摄    运动员入场式 周雨涵/摄    大学生志愿者学习法律知识。 商立超摄活动中，志愿者讲解条文。"
           "（新华社记者安晓萌摄）声明说，与会各方达成一致。张中海 摄")
    doc = read(raw)
    for credit in ("高弘杰", "董腾飞", "周雨涵", "商立超", "安晓萌", "张中海", "/摄", "摄）"):
        assert credit not in doc.text
    assert [c[2] for c in doc.metadata["credits"]] == [
        "某报社记者高弘杰/摄", "董腾飞/摄", "周雨涵/摄", "商立超摄", "（新华社记者安晓萌摄）"]
    assert doc.text.endswith("与会各方达成一致。")  # a closing credit lies outside the text
    assert "图为开幕式现场。" in doc.text and "运动员入场式" in doc.text  # captions are kept
    assert_slice_of_file(doc, raw)
    chunks = SentenceChunker(max_chars=60, overlap=10, min_chars=20).run(doc)
    assert chunks and all(doc.text[c.start : c.end] == c.text for c in chunks)
    assert not any("摄" in c.text or "正文" in c.text for c in chunks)


@pytest.mark.parametrize(
    "credit, after",
    [
        ("图片来源/视觉中国", "。"),
        ("图片来源/公羊救援队", "为应对汛情，队员转移群众。"),  # the source's name runs into the next sentence
        ("图片来源/视频截图", "白某认为伤情不重。"),
        ("圖片來源：中央社", " 記者走訪現場。"),
        ("图源：塔斯社报道配图", "塔斯社报道称，消息属实。"),
        ("图源台媒", "美国某报4日刊登专访。"),
        ("图/受访者提供", "【1】正常入境无法进入。"),
        ("圖／翻攝臉書", "  警方表示將調查。"),
        ("（图源：BBC）", "据当事人称，比赛取消。"),
        ("（圖源：西班牙《國家報》）", "據了解，案件仍在調查。"),
        ("（通讯员供图）", "面对这一幕，交警立即拦截。"),
        ("资料图（来源：第一财经）", "据媒体采访，医生都认为如此。"),
        ("视觉中国 图", "7月18日，多地创下最高气温纪录。"),
        ("资料配图 图据IC Photo", "5月19日，某公司曾发布公告。"),
    ],
)
def test_picture_sources_and_credits_are_blanked_in_both_scripts(credit, after):
    raw = "2023-08-17，正文：某地开展救援活动，现场秩序井然。▲救援现场。" + credit + after + "活动持续两天。"
    doc = read(raw)
    assert [c[2] for c in doc.metadata["credits"]] == [credit]
    assert credit not in doc.text and after.strip() in doc.text  # the text after the credit is kept whole
    assert_slice_of_file(doc, raw)


def test_words_like_a_picture_source_are_not_credits():
    text = "他企图源于私利。如下图：数据显示增长。查阅资料图片后，图表显示销量上升。"
    doc = read("2023-08-01，正文：" + text)
    assert doc.text == text and "credits" not in doc.metadata


def test_words_with_the_credit_character_are_not_credits():
    text = "他们拍摄了视频。后置1300万像素主摄，前置800万像素镜头。华西社区报记者 高昊焜 摄影报道在活动现场。"
    doc = read("2023-08-01，正文：" + text)
    assert doc.text == text and "credits" not in doc.metadata


def test_a_credit_opening_the_body_and_site_trailers_lie_outside_the_text():
    raw = "2023-08-04，正文：儿童医院供图近日，某医院完成一例手术。 【编辑:叶攀】      更多精彩内容请进入社会新闻"
    doc = read(raw)
    assert doc.text == "近日，某医院完成一例手术。" and doc.metadata["editor"] == "叶攀"
    assert_slice_of_file(doc, raw)
    doc = read("2023-08-04，正文：某公司发布公告。返回搜狐，查看更多责任编辑：")
    assert doc.text == "某公司发布公告。"
    raw = "2023-08-14，正文：新产品8月14日推出。本文属于原创文章，如若转载，请注明来源：新产品推出https://news.zol.com.cn/1.html"
    doc = read(raw)  # a site's reprint notice is no sentence of the story
    assert doc.text == "新产品8月14日推出。"
    assert_slice_of_file(doc, raw)
    raw = "2023-08-16，正文：原标题：某地集中开展头盔劝导行动。徐君摄“小哥，请戴好头盔。”志愿者说。"
    doc = read(raw)  # the headline's caption credit, right after it
    assert (doc.title, doc.text) == ("某地集中开展头盔劝导行动", "“小哥，请戴好头盔。”志愿者说。")
    assert_slice_of_file(doc, raw)


# ---------------------------------------------------------------------------- other layouts are unchanged


def test_the_seed_article_parses_exactly_as_before():
    """Doc ids, titles, dates, outlets and texts of the bundled article and its 20 相關焦點 items,
    as the reader gave them before the news reader (sha256 of their JSON)."""
    docs = load_file(SEED, SEED.name, max_bytes=20_000_000).documents
    payload = json.dumps([[d.doc_id, d.title, d.date, d.source, d.text, d.parent_id] for d in docs], ensure_ascii=False)
    assert len(docs) == 21
    assert hashlib.sha256(payload.encode()).hexdigest() == "fae90f0a17e685c4055ef5285acfa620adb9a7a623efe42b43d4cb3c65861193"
    assert (docs[0].title, docs[0].date, docs[0].source) == ("上海自貿試驗區:以一流黨建促一流改革 推進浦東二次創業", "2021-01-10", "人民網")
    assert "title_from" not in docs[0].metadata and docs[0].metadata["date_from"] == "header"


def test_a_dated_lead_keeps_its_date_in_the_text_and_a_header_date_does_not():
    # The ChronoQA layout: the date is the lead sentence's own words, and stays citable.
    doc = read("2020年1月15日，各大品牌推出新年限定单品。", name="cq.txt")
    assert (doc.date, doc.text, doc.title) == ("2020-01-15", "2020年1月15日，各大品牌推出新年限定单品。", "各大品牌推出新年限定单品")
    # A header date with a time is metadata, not text.
    doc = read("2020-01-15 08:30，各大品牌推出新年限定单品。", name="cq2.txt")
    assert (doc.date, doc.text) == ("2020-01-15", "各大品牌推出新年限定单品。")


@pytest.mark.parametrize(
    ("lead", "date"),
    [
        ("2020年4月2日19时20分，广州荔湾区珠江隧道发生一起交通事故。", "2020-04-02"),
        ("北京时间2021年4月22日晚，斯诺克世锦赛首轮比赛中墨菲获胜。", "2021-04-22"),
        ("2023年6月29日至30日，欧盟在布鲁塞尔举行夏季峰会。", "2023-06-29"),  # a range: its first day
        ("2020年3月27日8时至28日8时，陕西省无新增境外输入病例。", "2020-03-27"),
        ("2024年7月30日凌晨，巴黎奥运会游泳女子100米蛙泳决赛举行。", "2024-07-30"),
        ("2022年9月1日起，新的管理规定正式施行。", "2022-09-01"),
    ],
)
def test_a_dated_lead_with_a_time_of_day_or_a_range_dates_the_story_and_stays_in_the_text(lead, date):
    # A quarter of ChronoQA's items open so; they were left undated, and a 2021 question could not tell them.
    doc = read(lead, name="cq.txt")
    assert (doc.date, doc.text) == (date, lead)


# ---------------------------------------------------------------------------- the real files


@pytest.mark.shared_data
def test_the_crud_news_articles_meet_the_metadata_targets():
    if not CRUD.is_dir():
        pytest.skip(f"{CRUD} is absent")
    from newsqa.evals.check_news_metadata import HARD, check_folder

    report = check_folder(CRUD)
    assert report.articles == 500 and not report.failed
    assert {k: report.faults[k][:3] for k in HARD if report.faults[k]} == {}
    assert len(report.faults["no_date_where_stated"]) <= 0.05 * report.articles
    assert not report.faults["outlet_missing"] and not report.faults["outlet_different"]
    assert not report.faults["credit_in_passage"]
