"""load_file: .txt/.md, HTML (boilerplate removal, metadata), JSON and JSONL (ids, bad records)."""

import json
from pathlib import Path

import pytest

from newsqa.ingest.html_pages import html_to_text, strip_site_suffix
from newsqa.ingest.loaders import LoadResult, load_file
from newsqa.ingest.parsers import ArticleParser, DateDefaults

SEED = Path(__file__).resolve().parents[2] / "data" / "articles" / "000_8cf7c1ad8f2038b8.txt"
MAX = 1_000_000

NEWS_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="utf-8">
<title>第19届亚运会在杭州开幕_新浪网</title>
<meta name="publishdate" content="2023-09-23">
<meta property="og:site_name" content="新浪网">
<link rel="canonical" href="https://news.example.com/2023/0923/asiad.html">
<script>var hidden = "<p>脚本里的字</p>";</script>
<style>p { color: red }</style>
</head><body>
<header class="site-header"><h1 class="logo">新浪网</h1>
  <nav><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/sports">体育频道</a></div>
<div class="main-wrap">
 <div class="article">
  <h1 class="main-title">第19届亚运会在杭州开幕</h1>
  <div class="date-source"><span class="date">2023年09月23日 21:10</span> <span class="source">来源：新华社</span></div>
  <div id="artibody">
   <p>　　新华社杭州9月23日电 第19届亚洲运动会23日晚在杭州奥体中心体育场开幕。</p>
   <p>本届亚运会共设40个大项、61个分项、481个小项，
      有来自45个国家和地区的约1.2万名运动员报名参赛。</p>
   <div class="shareBox">分享到：微博 微信</div>
   <p>开幕式以&ldquo;潮起亚细亚&rdquo;为主题，数字火炬手与现场火炬手共同点燃主火炬塔&amp;烟花。</p>
   <p>（责任编辑：王五）</p>
  </div>
 </div>
 <aside class="sidebar"><h3>热门排行</h3><ul><li>某明星的新闻一二三四五六七八九十</li></ul></aside>
</div>
<div id="comment_list">网友评论：说得好说得好说得好说得好说得好说得好</div>
<div class="related-news"><h3>相关新闻</h3><ul><li><a href="#">亚运会火炬传递圆满结束</a></li></ul></div>
<div class="ad-slot">广告：买房就上某某网</div>
<footer>Copyright © 1996-2023 SINA Corporation</footer>
</body></html>
"""

EXPECTED_TEXT = (
    "新华社杭州9月23日电 第19届亚洲运动会23日晚在杭州奥体中心体育场开幕。\n\n"
    "本届亚运会共设40个大项、61个分项、481个小项，有来自45个国家和地区的约1.2万名运动员报名参赛。\n\n"
    "开幕式以“潮起亚细亚”为主题，数字火炬手与现场火炬手共同点燃主火炬塔&烟花。"
)


def _file(tmp_path, name, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _load(tmp_path, name, content) -> LoadResult:
    return load_file(_file(tmp_path, name, content), name, max_bytes=MAX)


# ---------------------------------------------------------------------------- txt / md


def test_txt_goes_through_article_parser_unchanged(tmp_path):
    result = load_file(SEED, "000_seed.txt", max_bytes=MAX)
    expected = ArticleParser().run(SEED.read_text(encoding="utf-8"), source_file="000_seed.txt", doc_id="000_seed.txt")
    assert result.failures == []
    assert [d.to_dict() for d in result.documents] == [d.to_dict() for d in expected]
    raw = SEED.read_text(encoding="utf-8")
    main = result.documents[0]
    assert raw[main.metadata["offset_in_file"] :].startswith(main.text)


def test_markdown_and_empty_text(tmp_path):
    docs = _load(tmp_path, "a.md", "# 梵語\n\n梵語是印度的古代語言。\n").documents
    assert (docs[0].doc_id, docs[0].title, docs[0].text, docs[0].source_file) == ("a.md", "梵語", "梵語是印度的古代語言。", "a.md")
    blank = _load(tmp_path, "b.md", "  \n\n")
    assert blank.documents == [] and blank.failures[0][0] == "b.md" and "no text" in blank.failures[0][1]


# ---------------------------------------------------------------------------- HTML


def test_html_article_text_without_boilerplate(tmp_path):
    result = _load(tmp_path, "asiad.html", NEWS_PAGE)
    assert result.failures == []
    [doc] = result.documents
    assert doc.text == EXPECTED_TEXT  # paragraphs, blank lines, entities unescaped, indent and layout newline gone
    for noise in ("首页", "新闻中心", "体育频道", "分享到", "网友评论", "相关新闻", "热门排行", "广告", "Copyright",
                  "脚本", "color", "责任编辑", "来源", "新浪网"):
        assert noise not in doc.text, noise


def test_html_metadata_from_meta_tags(tmp_path):
    doc = _load(tmp_path, "asiad.html", NEWS_PAGE).documents[0]
    assert doc.title == "第19届亚运会在杭州开幕"  # the article's h1, not the logo's h1 in the page header
    assert doc.date == "2023-09-23" and doc.source == "新浪网"
    assert doc.url == doc.doc_id == "https://news.example.com/2023/0923/asiad.html"
    assert doc.source_file == "asiad.html" and doc.metadata["format"] == "html"


def test_html_open_graph_and_article_published_time(tmp_path):
    page = """<html><head>
      <meta property="og:title" content="台積電宣布在高雄設廠">
      <meta property="og:site_name" content="中央社">
      <meta property="og:url" content="https://www.example.tw/news/20211109001.aspx">
      <meta property="article:published_time" content="2021-11-09T14:30:00+08:00">
      <title>台積電宣布在高雄設廠 | 中央社 CNA</title></head>
      <body><main><h1>台積電宣布在高雄設廠（更新）</h1>
      <p>台積電今天宣布，將在高雄興建晶圓廠，預計2024年開始生產，總投資金額約新台幣數千億元。</p></main></body></html>"""
    doc = _load(tmp_path, "tsmc.htm", page).documents[0]
    assert (doc.title, doc.date, doc.source) == ("台積電宣布在高雄設廠", "2021-11-09", "中央社")
    assert doc.doc_id == doc.url == "https://www.example.tw/news/20211109001.aspx"
    assert doc.text.startswith("台積電今天宣布") and "更新" not in doc.text


@pytest.mark.parametrize(
    "title_tag, expected",
    [("浦东开发开放30周年 - 人民网", "浦东开发开放30周年"), ("浦东开发开放30周年_新闻_新浪网", "浦东开发开放30周年"),
     ("浦东开发开放30周年｜澎湃新闻", "浦东开发开放30周年"), ("专访 | 浦东开发开放30周年", "浦东开发开放30周年")],
)
def test_html_title_tag_loses_its_site_suffix_when_there_is_no_h1(tmp_path, title_tag, expected):
    page = f"<html><head><title>{title_tag}</title></head><body><div><p>浦东开发开放始于1990年4月18日，三十年来发生了翻天覆地的变化。</p></div></body></html>"
    assert _load(tmp_path, "p.html", page).documents[0].title == expected
    assert strip_site_suffix("COVID-19疫苗接种进展") == "COVID-19疫苗接种进展"


def test_html_date_from_time_element_and_name_from_path(tmp_path):
    page = """<html><head><title>春运开始</title></head><body><article>
      <h1>春运开始</h1><time datetime="2021-01-28T08:00">1月28日</time>
      <p>2021年春运今天开始，为期40天，铁路部门预计发送旅客2.96亿人次。</p></article></body></html>"""
    doc = _load(tmp_path, "spring.html", page).documents[0]
    assert (doc.title, doc.date, doc.url, doc.doc_id) == ("春运开始", "2021-01-28", None, "spring.html")
    assert doc.text == "2021年春运今天开始，为期40天，铁路部门预计发送旅客2.96亿人次。"


def test_html_date_and_source_from_the_byline_text(tmp_path):
    page = """<html><head><title>浦東新區 - 人民網</title></head><body>
      <div class="wrap"><h1>浦東新區</h1>
      <div class="box01"><div class="fl">2021年01月10日08:30 | 來源：人民網－上海頻道</div></div>
      <div class="rm_txt_con"><p>浦東開發開放始於1990年4月18日。</p><p>陸家嘴是浦東的金融中心，聚集了大量金融機構。</p></div>
      </div></body></html>"""
    doc = _load(tmp_path, "pd.html", page).documents[0]
    assert (doc.title, doc.date, doc.source) == ("浦東新區", "2021-01-10", "人民網－上海頻道")
    assert doc.text == "浦東開發開放始於1990年4月18日。\n\n陸家嘴是浦東的金融中心，聚集了大量金融機構。"


def test_html_densest_block_and_br_paragraphs(tmp_path):
    page = """<html><body><div class="top"><a href="/">网站首页</a> <a href="/a">国内</a></div>
      <table><tr><td class="left"><a href="/x">链接一</a><br><a href="/y">链接二</a></td>
      <td class="content">　　第一段正文，讲述了事件的来龙去脉。<br><br>　　第二段正文，记者采访了有关部门负责人。<br></td></tr></table>
      </body></html>"""
    doc = _load(tmp_path, "old.html", page).documents[0]
    assert doc.text == "第一段正文，讲述了事件的来龙去脉。\n\n第二段正文，记者采访了有关部门负责人。"
    assert doc.title == "第一段正文，讲述了事件的来龙去脉"  # no title anywhere: the first sentence


def test_html_without_text_is_a_failure(tmp_path):
    page = "<html><head><title>空页面</title><script>alert(1)</script></head><body><nav>首页</nav></body></html>"
    result = _load(tmp_path, "empty.html", page)
    assert result.documents == [] and result.failures == [("empty.html", "no article text in the HTML")]


def test_html_to_text_of_a_fragment():
    assert html_to_text("<p>第一段&nbsp;A&amp;B</p><p>第二\n段</p><ul><li>一</li><li>二</li></ul>") == (
        "第一段 A&B\n\n第二段\n\n一\n\n二"
    )


# ---------------------------------------------------------------------------- JSON


def test_json_single_object_with_all_fields(tmp_path):
    obj = {"id": "xh-001", "title": "春运开始", "content": "2021年春运今天开始，为期40天。", "date": "2021年1月28日",
           "source": "新华社", "url": "https://example.com/a"}
    [doc] = _load(tmp_path, "one.json", json.dumps(obj, ensure_ascii=False)).documents
    assert (doc.doc_id, doc.title, doc.text, doc.date, doc.source, doc.url, doc.source_file) == (
        "xh-001", "春运开始", "2021年春运今天开始，为期40天。", "2021-01-28", "新华社", "https://example.com/a", "one.json")


def test_json_array_ids_from_id_url_and_position(tmp_path):
    items = [
        {"title": "甲", "text": "第一篇文章的正文。"},
        {"title": "乙", "body": "第二篇文章的正文。", "url": "https://example.com/b"},
        {"title": "丙", "text": "", "content": "第三篇文章的正文。", "id": 42},
        {"title": "丁", "text": "第四篇文章的正文。"},
    ]
    result = _load(tmp_path, "feed.json", json.dumps(items, ensure_ascii=False))
    assert result.failures == []
    assert [d.doc_id for d in result.documents] == ["feed.json#1", "https://example.com/b", "42", "feed.json#4"]
    assert [d.text for d in result.documents][2] == "第三篇文章的正文。"  # first non-empty of text/content/body
    assert {d.source_file for d in result.documents} == {"feed.json"}


def test_json_object_without_text_is_a_failure_and_the_others_load(tmp_path):
    items = [{"title": "甲", "text": "正文甲。"}, {"title": "只有標題"}, "not an object", {"title": "丙", "text": "正文丙。"}]
    result = _load(tmp_path, "mixed.json", json.dumps(items, ensure_ascii=False))
    assert [d.doc_id for d in result.documents] == ["mixed.json#1", "mixed.json#4"]
    assert [w for w, _ in result.failures] == ["mixed.json item 2", "mixed.json item 3"]
    assert "no article text" in result.failures[0][1] and "not a JSON object" in result.failures[1][1]


def test_truncated_json_is_one_failure_naming_the_file(tmp_path):
    text = json.dumps([{"title": "甲", "text": "正文。"}, {"title": "乙", "text": "正文乙。"}], ensure_ascii=False)
    result = _load(tmp_path, "cut.json", text[:-12])
    assert result.documents == []
    [(where, reason)] = result.failures
    assert where == "cut.json" and reason.startswith("invalid JSON: ")


def test_json_date_that_cannot_be_read_is_kept_raw(tmp_path):
    items = [{"title": "甲", "text": "正文甲。", "date": "上週三"}, {"title": "乙", "text": "正文乙。", "date": 1610236800}]
    result = _load(tmp_path, "dates.json", json.dumps(items, ensure_ascii=False))
    assert result.failures == []
    first, second = result.documents
    assert first.date is None and first.metadata["date_raw"] == "上週三"
    assert second.date == "2021-01-10"  # a Unix timestamp


def test_json_html_content_and_wrapper_object(tmp_path):
    data = {"articles": [{"title": "甲", "content": "<p>第一段。</p><p>第二段&amp;結尾。</p>"},
                         {"title": "乙", "text": "第二篇。\r\n\r\n\r\n\r\n下一段。"}]}
    docs = _load(tmp_path, "wrapped.json", json.dumps(data, ensure_ascii=False)).documents
    assert [d.text for d in docs] == ["第一段。\n\n第二段&結尾。", "第二篇。\n\n下一段。"]


def test_json_article_without_a_date_field_uses_a_body_dateline(tmp_path):
    obj = {"title": "春运", "text": "（2021年1月10日）新华社北京电 春运将于1月28日开始。"}
    doc = _load(tmp_path, "d.json", json.dumps(obj, ensure_ascii=False)).documents[0]
    assert doc.date == "2021-01-10" and doc.doc_id == "d.json" and doc.title == "春运"
    assert doc.metadata["date_from"] == "dateline"


def test_json_dateline_without_a_year_takes_the_users_year_never_the_texts(tmp_path):
    obj = {"title": "春运", "text": "新华社北京1月10日电 2021年春运将于1月28日开始。"}
    path = _file(tmp_path, "d.json", json.dumps(obj, ensure_ascii=False))
    assert load_file(path, "d.json", max_bytes=MAX).documents[0].date is None
    doc = load_file(path, "d.json", max_bytes=MAX, dates=DateDefaults(year=2020)).documents[0]
    assert (doc.date, doc.metadata["year_from"]) == ("2020-01-10", "option")
    undated = _file(tmp_path, "u.json", json.dumps({"title": "甲", "text": "没有日期。"}, ensure_ascii=False))
    doc = load_file(undated, "u.json", max_bytes=MAX, dates=DateDefaults(date="2023-08-15")).documents[0]
    assert (doc.date, doc.metadata["date_from"]) == ("2023-08-15", "option")


# ---------------------------------------------------------------------------- JSONL


def test_jsonl_bad_line_among_good_ones(tmp_path):
    lines = [
        json.dumps({"title": "甲", "text": "正文甲。", "date": "2021-01-10"}, ensure_ascii=False),
        '{"title": "乙", "text": "正文乙。" "date": "2021-01-11"}',  # missing comma
        "",
        json.dumps({"title": "丙", "text": "正文丙。"}, ensure_ascii=False),
        json.dumps({"title": "丁"}, ensure_ascii=False),
        '{"title": "戊", "text": "被截斷',
    ]
    result = _load(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    assert [(d.doc_id, d.title, d.date) for d in result.documents] == [
        ("feed.jsonl#1", "甲", "2021-01-10"), ("feed.jsonl#3", "丙", None)]
    wheres = [w for w, _ in result.failures]
    assert wheres == ["feed.jsonl line 2", "feed.jsonl line 5", "feed.jsonl line 6"]
    assert result.failures[0][1] == "invalid JSON: Expecting ',' delimiter (column 31)"
    assert "no article text" in result.failures[1][1] and result.failures[2][1].startswith("invalid JSON")


def test_jsonl_single_line_is_named_after_the_file_and_duplicates_are_reported(tmp_path):
    single = _load(tmp_path, "one.jsonl", json.dumps({"title": "甲", "text": "正文。"}, ensure_ascii=False) + "\n")
    assert [d.doc_id for d in single.documents] == ["one.jsonl"]
    dup = "\n".join(json.dumps({"id": "x", "title": t, "text": t + "的正文。"}, ensure_ascii=False) for t in "甲乙")
    result = _load(tmp_path, "dup.jsonl", dup)
    assert [d.title for d in result.documents] == ["甲"]
    assert result.failures == [("dup.jsonl line 2", "duplicate id 'x' (also at dup.jsonl line 1); skipped")]


def test_jsonl_text_with_line_separator_characters(tmp_path):
    line = json.dumps({"title": "甲", "text": "第一句\u2028第二句。"}, ensure_ascii=False)
    doc = _load(tmp_path, "sep.jsonl", line).documents[0]
    assert "第二句" in doc.text


def test_failures_name_the_normalised_name_not_the_absolute_path(tmp_path):
    result = load_file(_file(tmp_path, "x.json", "{"), "sub/x.json", max_bytes=MAX)
    assert result.failures[0][0] == "sub/x.json"
    big = load_file(_file(tmp_path, "y.jsonl", "{}\n" * 100), "y.jsonl", max_bytes=10)
    assert "NEWSQA_INGEST_MAX_FILE_BYTES" in big.failures[0][1]
