import pytest

from newsqa.script import detect_script, fold, to_script


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
