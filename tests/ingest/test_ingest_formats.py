"""One folder with an article in every format (and legacy encodings), ingested with the real model."""

import json

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.ingest.pipeline import ingest_paths

TXT = "浦東新區\n2021-01-10 人民網\n\n浦東開發開放始於1990年4月18日。陸家嘴是浦東的金融中心。\n"
MD = "# 春运开始\n\n新华社北京1月10日电 记者从交通运输部获悉，2021年春运将于1月28日开始，3月8日结束，共计40天。\n"
HTML = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>杭州亚运会开幕_新浪网</title>
<meta name="publishdate" content="2023-09-23"><meta property="og:site_name" content="新浪网">
<link rel="canonical" href="https://news.example.com/asiad.html"></head>
<body><nav><a href="/">首页</a></nav><div class="article"><h1>第19届亚运会在杭州开幕</h1>
<div id="artibody"><p>第19届亚洲运动会23日晚在杭州奥体中心体育场开幕。</p>
<p>本届亚运会共设40个大项，约1.2万名运动员报名参赛。</p></div></div>
<div class="related"><a href="#">相关新闻：某某某</a></div></body></html>"""
JSON = [
    {"title": "台積電高雄設廠", "text": "台積電今天宣布，將在高雄興建晶圓廠，預計2024年開始生產。", "date": "2021/11/09", "source": "中央社"},
    {"title": "捷運環狀線通車", "content": "臺北捷運環狀線第一階段今天通車，沿線共有14座車站。", "date": "２０２０年１月３１日", "source": "自由時報"},
]
JSONL = [
    {"id": "gdp-2020", "title": "2020年GDP", "body": "国家统计局发布数据，2020年全年国内生产总值1015986亿元，比上年增长2.3%。",
     "date": "2021-01-18T10:00:00+08:00", "source": "国家统计局", "url": "https://example.com/gdp"},
    {"title": "深圳天气", "text": "深圳今天多云，有雷阵雨，气温28℃～33℃。", "date": "上周三", "source": "深圳气象台"},
]
BIG5 = "颱風動態\n2021年8月5日 中央社\n\n中央氣象局表示，颱風中心目前位於鵝鑾鼻東南方約430公里海面，以每小時15公里速度向西北前進。\n"


def test_every_format_lands_in_the_index_with_title_date_source(tmp_path, e5_model_dir):
    corpus = tmp_path / "articles"
    (corpus / "web").mkdir(parents=True)
    (corpus / "a.txt").write_text(TXT, encoding="utf-8")
    (corpus / "b.md").write_text(MD, encoding="utf-8")
    (corpus / "web" / "c.html").write_bytes(HTML.encode("gb18030"))
    (corpus / "d.json").write_text(json.dumps(JSON, ensure_ascii=False), encoding="utf-8")
    (corpus / "e.jsonl").write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in JSONL), encoding="utf-8")
    (corpus / "f.txt").write_bytes(BIG5.encode("big5"))
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))

    report = ingest_paths([corpus], settings, show_progress=False)
    assert report.ok, report.failed

    index = NewsIndex.load(settings.index_path, *build_components(settings))
    got = {doc_id: (d.title, d.date, d.source) for doc_id, d in index.documents.items()}
    assert got == {
        "a.txt": ("浦東新區", "2021-01-10", "人民網"),
        "b.md": ("春运开始", None, None),  # 「新华社北京1月10日电」: the year is never taken from the body
        "https://news.example.com/asiad.html": ("第19届亚运会在杭州开幕", "2023-09-23", "新浪网"),
        "d.json#1": ("台積電高雄設廠", "2021-11-09", "中央社"),
        "d.json#2": ("捷運環狀線通車", "2020-01-31", "自由時報"),
        "gdp-2020": ("2020年GDP", "2021-01-18", "国家统计局"),
        "e.jsonl#2": ("深圳天气", None, "深圳气象台"),
        "f.txt": ("颱風動態", "2021-08-05", "中央社"),
    }
    html_doc = index.documents["https://news.example.com/asiad.html"]
    assert html_doc.source_file == "web/c.html" and html_doc.url == "https://news.example.com/asiad.html"
    assert html_doc.text == "第19届亚洲运动会23日晚在杭州奥体中心体育场开幕。\n\n本届亚运会共设40个大项，约1.2万名运动员报名参赛。"
    assert index.documents["e.jsonl#2"].metadata["date_raw"] == "上周三"
    for doc_id, doc in index.documents.items():  # citation offsets point into each stored text
        chunks = index.chunks_of(doc_id)
        assert chunks and all(doc.text[c.start : c.end] == c.text for c in chunks)

    again = ingest_paths([corpus], settings, show_progress=False)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 8
