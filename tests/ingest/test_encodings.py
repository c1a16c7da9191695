"""Encodings of real article files: UTF-8 (BOM or not), UTF-16 with a BOM, GB18030, Big5; refusals."""

import codecs

import pytest

from newsqa.ingest.loaders import load_file
from newsqa.ingest.readers import IngestError, decode_bytes, read_text, sniff_declared_charset

# Real-style news sentences, 40–60 characters, with the digits, Latin letters, units and
# punctuation news carries (several of them defeat charset-normalizer's mess detector alone).
SIMPLIFIED = [
    "国家统计局1月18日发布数据，初步核算，2020年全年国内生产总值1015986亿元，按可比价格计算，比上年增长2.3%。",
    "新华社北京1月10日电 记者从交通运输部获悉，2021年春运将于1月28日开始，3月8日结束，共计40天。",
    "第19届亚运会于2023年9月23日在杭州开幕，共设40个大项、61个分项、481个小项，约1.2万名运动员参赛。",
    "上海自贸试验区自2013年9月29日挂牌以来，累计新设企业6万余户，其中外资企业占比达到20%左右。",
    "该款手机有4GB+128GB和6GB+128GB两种配置，售价分别为699元和799元，将于“双十一”期间开售。",
    "深圳今天多云，有雷阵雨，降雨时伴有7～8级阵风；气温28℃～33℃；西风2～3级，请市民注意防范。",
]
TRADITIONAL = [
    "行政院會今天通過「前瞻基礎建設計畫」特別條例草案，未來八年將投入新台幣8824億元，推動軌道、水環境與數位建設。",
    "中央氣象局表示，颱風中心目前位於鵝鑾鼻東南方約430公里海面，以每小時15公里速度向西北前進。",
    "臺北市政府今日宣布，捷運環狀線第一階段將於明年1月31日正式通車，沿線共有14座車站。",
    "除此之外，臺灣亦有「寶島」、「鯤島」、「蓬萊」、「福爾摩沙」等別稱，其中「福爾摩沙」源自葡萄牙語。",
    "香港特區政府公布，今年第一季本地生產總值較去年同期實質上升7.9%，失業率則降至6.8%。",
    "關島位於北緯13.2°至13.7°度，東經144.6°至145.0°度間，面積為549平方公里，是美國的海外屬地。",
]


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("sentence", SIMPLIFIED)
def test_gb18030_simplified_news(tmp_path, sentence):
    path = _write(tmp_path, "gb.txt", sentence.encode("gb18030"))
    assert read_text(path, 10_000) == sentence


@pytest.mark.parametrize("sentence", TRADITIONAL)
def test_big5_traditional_news(tmp_path, sentence):
    path = _write(tmp_path, "big5.txt", sentence.encode("big5"))
    assert read_text(path, 10_000) == sentence


@pytest.mark.parametrize("sentence", TRADITIONAL)
def test_traditional_text_saved_as_gb18030(tmp_path, sentence):
    # mainland tools save Traditional text in GBK/GB18030 too: the bytes decide, not the script
    path = _write(tmp_path, "gbk.txt", sentence.encode("gb18030"))
    assert read_text(path, 10_000) == sentence


def test_whole_articles_in_legacy_encodings_load_with_title_date_source(tmp_path):
    simplified = "春运开始\n2021年1月10日 新华网\n\n" + "\n\n".join(SIMPLIFIED) + "\n"
    traditional = "颱風動態\n2021年8月5日 中央社\n\n" + "\n\n".join(TRADITIONAL) + "\n"
    gb = load_file(_write(tmp_path, "gb.txt", simplified.encode("gb18030")), "gb.txt", max_bytes=100_000)
    b5 = load_file(_write(tmp_path, "b5.txt", traditional.encode("big5")), "b5.txt", max_bytes=100_000)
    assert (gb.documents[0].title, gb.documents[0].date, gb.documents[0].source) == ("春运开始", "2021-01-10", "新华网")
    assert (b5.documents[0].title, b5.documents[0].date, b5.documents[0].source) == ("颱風動態", "2021-08-05", "中央社")
    assert gb.documents[0].text == "\n\n".join(SIMPLIFIED) and b5.documents[0].text == "\n\n".join(TRADITIONAL)


def test_cp950_only_characters_in_big5(tmp_path):
    text = "本季營收為新台幣1,200億元，約合€36億，較去年同期成長12%，創下歷史新高紀錄。"
    path = _write(tmp_path, "cp950.txt", text.encode("cp950"))  # € (0xA3E1) is a CP950 extension
    assert read_text(path, 10_000) == text


@pytest.mark.parametrize(
    "bom, codec",
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_byte_order_marks(tmp_path, bom, codec):
    text = "標題\n2021-01-10 人民網\n\n" + TRADITIONAL[0]
    path = _write(tmp_path, "bom.txt", bom + text.encode(codec))
    decoded = read_text(path, 10_000)
    assert decoded == text and not decoded.startswith("\ufeff")
    doc = load_file(path, "bom.txt", max_bytes=10_000).documents[0]
    assert (doc.title, doc.date, doc.text) == ("標題", "2021-01-10", TRADITIONAL[0])


def test_plain_utf8_is_untouched(tmp_path):
    path = _write(tmp_path, "u.txt", SIMPLIFIED[0].encode("utf-8"))
    assert read_text(path, 10_000) == SIMPLIFIED[0]


def test_a_bom_that_lies_is_refused(tmp_path):
    path = _write(tmp_path, "bad16.txt", codecs.BOM_UTF16_LE + "新聞".encode("utf-16-le") + b"\x00")
    with pytest.raises(IngestError, match="UTF-16.*save it as UTF-8"):
        read_text(path, 10_000)


def _long_article(size: int) -> bytes:
    """A real-style UTF-8 article of exactly ``size`` bytes (padded with newlines at a character boundary)."""
    body = "\n\n".join(SIMPLIFIED * 200).encode("utf-8")
    head = "春运开始\n2021年1月10日 新华网\n\n".encode("utf-8") + body
    cut = head[:size].decode("utf-8", errors="ignore").encode("utf-8")
    return cut + b"\n" * (size - len(cut))


@pytest.mark.parametrize(
    "bom, where", [(b"", "NUL bytes, the first at byte 9,000"), (codecs.BOM_UTF8, "NUL characters")],
    ids=["utf-8", "utf-8-bom"],
)
def test_a_nul_byte_past_the_first_8_kib_is_refused(tmp_path, bom, where):
    good = bom + _long_article(9_000 - len(bom)) + _long_article(20_000)
    assert read_text(_write(tmp_path, "fine.txt", good), 100_000).startswith("春运开始")
    data = good[:9_000] + b"\x00" + good[9_000:]
    path = _write(tmp_path, "nul.txt", data)
    with pytest.raises(IngestError, match="looks like a binary file") as info:
        read_text(path, 100_000)
    assert where in info.value.reason
    result = load_file(path, "nul.txt", max_bytes=100_000)
    assert result.documents == [] and [w for w, _ in result.failures] == ["nul.txt"]
    assert "binary" in result.failures[0][1]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_long_utf16_and_utf32_articles_with_a_bom_still_read(tmp_path, codec):
    text = _long_article(30_000).decode("utf-8")
    data = text.encode(codec) if codec != "utf-16-be" else codecs.BOM_UTF16_BE + text.encode(codec)
    assert data.count(b"\x00") > 1_000  # NUL bytes all through it, as UTF-16/32 has
    assert read_text(_write(tmp_path, "wide.txt", data), 200_000) == text


def test_a_nul_character_in_utf16_text_is_refused(tmp_path):
    head = "標題\n\n" + TRADITIONAL[0]
    path = _write(tmp_path, "nul16.txt", (head + "\x00" + TRADITIONAL[1]).encode("utf-16"))
    with pytest.raises(IngestError, match="looks like a binary file") as info:
        read_text(path, 10_000)
    assert f"NUL characters, the first at character {len(head)}" in info.value.reason


@pytest.mark.parametrize(
    "data",
    [
        "Le café de la gare a rouvert ses portes à Noël, déjà célèbre pour ses crêpes.".encode("cp1252"),
        "日本の首都である東京では、今日の午後から雨が降る見込みで、気象庁は注意を呼びかけています。".encode("shift_jis"),
        bytes(range(0x80, 0x100)) * 4,
    ],
    ids=["cp1252-french", "shift-jis-japanese", "high-bytes"],
)
def test_undecodable_files_name_the_file_and_say_save_as_utf8(tmp_path, data):
    path = _write(tmp_path, "odd.txt", data)
    with pytest.raises(IngestError) as info:
        read_text(path, 10_000)
    assert "odd.txt" in str(info.value) and "save it as UTF-8" in info.value.reason
    failures = load_file(path, "odd.txt", max_bytes=10_000).failures
    assert failures and failures[0][0] == "odd.txt" and "UTF-8" in failures[0][1]


def test_control_characters_are_refused(tmp_path):
    path = _write(tmp_path, "ctl.txt", bytes(range(1, 9)) * 50)
    with pytest.raises(IngestError, match="mostly control or unreadable"):
        read_text(path, 10_000)


@pytest.mark.parametrize(
    "data, what",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "JPEG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"just some text\x00\x00\x01\x02 with NULs", "binary"),
    ],
)
def test_binary_files_get_a_clear_reason(tmp_path, data, what):
    path = _write(tmp_path, "looks.txt", data)
    with pytest.raises(IngestError, match=what):
        read_text(path, 10_000)


def _page(charset: str, body: str) -> str:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>新聞</title></head><body><article><p>{body}</p></article></body></html>"
    )


@pytest.mark.parametrize(
    "declared, codec, sentence",
    [
        ("big5", "big5", TRADITIONAL[1]),
        ("gb2312", "gb18030", SIMPLIFIED[0]),
        ("GBK", "gb18030", TRADITIONAL[2]),
        ("gb2312", "big5", TRADITIONAL[0]),  # declared wrongly: GB decodes "cleanly" to gibberish
        ("gb2312", "utf-8", SIMPLIFIED[2]),  # a site moved to UTF-8 but kept the old meta tag
        ("iso-8859-1", "gb18030", SIMPLIFIED[3]),  # a single-byte charset decodes anything
        ("utf-8", "big5", TRADITIONAL[4]),
    ],
)
def test_html_declared_charset_is_honoured_when_it_decodes_cleanly(tmp_path, declared, codec, sentence):
    path = _write(tmp_path, "page.html", _page(declared, sentence).encode(codec))
    assert sniff_declared_charset(path.read_bytes()) == declared.lower()
    doc = load_file(path, "page.html", max_bytes=10_000).documents[0]
    assert doc.text == sentence


def test_meta_charset_attribute_form_and_xml_declaration():
    assert sniff_declared_charset(b'<!doctype html><meta charset="big5"><p>x') == "big5"
    assert sniff_declared_charset(b"<?xml version='1.0' encoding='GB18030'?><html>") == "gb18030"
    assert sniff_declared_charset(b"<html><p>no declaration</p>") is None


def test_latin1_declared_page_in_latin1_stays_latin1():
    data = _page("iso-8859-1", "Café déjà vu à Noël").replace("新聞", "Nouvelles").encode("latin-1")
    assert "Café déjà vu à Noël" in decode_bytes(data, "p.html", declared="iso-8859-1")
