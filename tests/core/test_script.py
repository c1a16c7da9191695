import pytest

from newsqa.script import detect_script, fold, in_script, to_script, to_simplified_in_place, written_script


@pytest.mark.parametrize(
    "text, script",
    [
        ("上海自貿區是哪一天掛牌的？", "hant"),
        ("上海自贸区是哪一天挂牌的？", "hans"),
        ("浦東新區區委書記沈曉明如是說", "hant"),
        ("浦东新区区委书记沈晓明如是说", "hans"),
    ],
)
def test_detect_script(text, script):
    assert detect_script(text) == script


def test_script_neutral_text_gets_the_default():
    assert detect_script("上海 2013", default="hans") == "hans"
    assert detect_script("hello", default="hant") == "hant"


def test_conversion_both_ways():
    assert to_script("2013年9月29日上海自貿區掛牌", "hans") == "2013年9月29日上海自贸区挂牌"
    assert to_script("2013年9月29日上海自贸区挂牌", "hant") == "2013年9月29日上海自貿區掛牌"
    with pytest.raises(ValueError):
        to_script("x", "latin")


def test_fold_makes_matching_script_and_width_invariant():
    assert fold("上海自貿區２０１３年ＡＢＣ") == fold("上海自贸区2013年abc") == "上海自贸区2013年abc"
    # machine-conversion artefacts of the seed fold onto their Simplified forms
    assert fold("28.78平方公裡") == fold("28.78平方公里")
    assert fold("籤署協議") == fold("签署协议")


def test_in_place_simplification_keeps_width_case_and_offsets():
    text = "那ＡＢ董事長呢"
    assert to_simplified_in_place(text) == "那ＡＢ董事长呢"
    assert len(to_simplified_in_place(text)) == len(text)


# ---------------------------------------------------------------------- answers as readers write them
from newsqa.script import to_reader_script  # noqa: E402


@pytest.mark.parametrize(
    "simplified, tw, phrases, hk, generic",
    [
        ("为了着陆", "為了著陸", "為了著陸", "為了着陸", "爲了着陸"),
        ("里面的软件", "裡面的軟件", "裡面的軟體", "裏面的軟件", "裏面的軟件"),
        ("台风在漳州沿海登陆", "颱風在漳州沿海登陸", "颱風在漳州沿海登陸", "颱風在漳州沿海登陸", "颱風在漳州沿海登陸"),
        ("张颂文本人出席", "張頌文本人出席", "張頌文字人出席", "張頌文本人出席", "張頌文本人出席"),  # why phrases are opt-in
    ],
)
def test_traditional_variants(simplified, tw, phrases, hk, generic):
    assert to_reader_script(simplified, "hant", variant="tw") == tw
    assert to_reader_script(simplified, "hant", variant="tw-phrases") == phrases
    assert to_reader_script(simplified, "hant", variant="hk") == hk
    assert to_reader_script(simplified, "hant", variant="generic") == generic


# People's names OpenCC would spell against the name (岳 → 嶽, 余 → 餘, 游 → 遊, 干 → 幹).
NAMES = [
    ("总裁陈忠岳称联通云全年收入增长", "陳忠岳"),
    ("作家余华说", "余華"),
    ("演员游本昌表示", "游本昌"),
    ("主持人干露露，", "干露露"),
    ("记者 岳建国报道", "岳建國"),
    ("钟南山院士表示", "鍾南山"),
    ("市长范小松指出", "范小松"),
]


@pytest.mark.parametrize("sentence, name", NAMES)
def test_names_keep_their_characters(sentence, name):
    for variant in ("tw", "tw-phrases", "hk", "generic"):
        assert name in to_reader_script(sentence, "hant", variant=variant), variant


def test_words_that_only_look_like_names_are_converted():
    assert to_reader_script("账户余额为100元", "hant") == "賬戶餘額為100元"
    assert to_reader_script("公司的游戏业务", "hant") == "公司的遊戲業務"


def test_the_question_spelling_wins():
    assert "陳忠岳" in to_reader_script("陈忠岳谈云业务", "hant", question="陳忠岳談了什麼？")
    assert "軟件" in to_reader_script("软件收入增长", "hant", variant="tw-phrases", question="軟件收入多少？")


def test_traditional_sources_are_quoted_as_written():
    seed = "擴區前，28.78平方公裡轄區內，聚集2萬餘家各類企業"  # machine-converted, artefacts and all
    assert to_reader_script(seed, "hant", variant="tw") == seed
    taiwan = "針對舞台劇的東尼獎，也都是以奧斯卡金像獎為榜樣而創建的"  # 台 and 創建 stay as the source has them
    assert to_reader_script(taiwan, "hant", variant="tw-phrases") == taiwan
    assert to_reader_script(seed, "hans") == "扩区前，28.78平方公里辖区内，聚集2万余家各类企业"


def test_the_script_a_collection_is_written_in_comes_from_what_folding_changes():
    simplified = ["第5号台风杜苏芮在福建省晋江市沿海登陆。", "上海自贸区于2013年9月29日挂牌。"]
    traditional = ["第5號颱風杜蘇芮在福建省晉江市沿海登陸。", "上海自貿區於2013年9月29日掛牌。"]
    assert written_script((t, fold(t)) for t in simplified) == "hans"
    assert written_script((t, fold(t)) for t in traditional) == "hant"
    assert written_script((t, fold(t)) for t in traditional[:1] + simplified * 3) == "hans"  # the majority
    assert written_script([]) == "hans"


@pytest.mark.parametrize(
    "question, script, expected",
    [
        ("杜蘇芮颱風在哪裡登陸？", "hans", "杜苏芮台风在哪里登陆？"),
        ("杜苏芮台风为什么着陆？", "hant", "杜蘇芮颱風為什麼著陸？"),  # Taiwan characters: 為, 著
        ("杜苏芮台风在哪里登陆？", "hans", "杜苏芮台风在哪里登陆？"),  # already in it: unchanged
        ("上海在哪裡？", "hant", "上海在哪裡？"),
    ],
)
def test_a_question_is_put_in_the_passages_script(question, script, expected):
    assert in_script(question, script) == expected
