"""The extractive answerer on hand-made passages (no model, no index): answer types, spans,
clause fallback, citations, highlights and the script of the answer."""

import pytest

from newsqa.answer_types import ANSWER_TYPES, detect_answer_type
from newsqa.qa.answerer import ABSTAIN_MESSAGE, ExtractiveAnswerer, format_answer
from newsqa.qa.spans import clause_window, extract_span, typed_spans
from newsqa.script import detect_script, fold, to_simplified
from newsqa.types import Chunk, Document, RetrievedChunk


def passage(text: str, doc_id: str = "a.txt", title: str = "測試", start: int = 0, doc_text: str | None = None):
    """A retrieved passage ``text`` at ``start`` of a document (``doc_text`` or the passage itself)."""
    doc_text = doc_text if doc_text is not None else text
    assert doc_text[start : start + len(text)] == text
    document = Document(doc_id=doc_id, title=title, text=doc_text)
    chunk = Chunk(f"{doc_id}:{start}", doc_id, 0, text, start, start + len(text), text)
    return RetrievedChunk(chunk=chunk, document=document, score=1.0)


SHANGHAI = passage(
    "上海自貿試驗區是中國第一個自由貿易試驗區。2013年9月29日上海自貿區掛牌。"
    "掛牌之初的面積為28.78平方公里，2014年擴區到120.72平方公里。首任管委會主任由戴海波擔任。"
    "區內企業主要來自美國、日本、德國和新加坡等國家。",
    doc_id="shanghai.txt",
    title="上海自貿試驗區",
)
STRASBOURG = passage(
    "史特拉斯堡大教堂於1988年被聯合國教科文組織列為世界文化遺產。"
    "史特拉斯堡是法國東北部的城市，位於萊茵河西岸。該市的人口約為28萬人。",
    doc_id="strasbourg.txt",
    title="史特拉斯堡",
)
ALABAMA = passage(
    "阿拉巴馬州是美國東南部的一個州。阿拉巴馬州的首府是蒙哥馬利，最大城市是伯明罕。"
    "州內有四個國家森林，總面積約2,700平方公里。",
    doc_id="alabama.txt",
    title="阿拉巴馬州",
)


@pytest.fixture(scope="module")
def answerer():
    return ExtractiveAnswerer(min_confidence=0.1)


# --------------------------------------------------------------------------- answer types


@pytest.mark.parametrize(
    "question, expected",
    [
        ("上海自貿區是哪一天掛牌的？", "date"),
        ("柏林圍牆在哪一年倒塌？", "date"),
        ("天城文何時成為梵語的標準書寫系統？", "date"),
        ("西斯拉夫語族在什麼時候採用了拉丁字母？", "date"),
        ("法里茲巴達洛夫是在2011年的幾月被槍殺？", "date"),
        ("南加大音樂學院在排名中名列第幾？", "number"),
        ("香港信仰基督教的人口大約占多少比例？", "number"),
        ("上海自貿區的面積是多少平方公里？", "quantity"),
        ("鶴慶縣的面積有多大？", "quantity"),
        ("阿根廷曾經進入世界盃決賽幾次？", "quantity"),
        ("誰被尊稱為「電視之父」？", "person"),
        ("存在主義心理學的代表人物中，哪一位是美國人？", "person"),
        ("忽必烈與何人爭奪汗位？", "person"),
        ("香港的韓國人大部分聚集在哪裡？", "place"),
        ("哪一個國家不停地妨礙臺灣的國際交流？", "place"),
        ("阿拉巴馬州的首府是哪個城市？", "place"),
        ("史特拉斯堡大教堂被哪個組織列為世界文化遺產？", "organisation"),
        ("哪家韓國公司在海洋勘探船領域的份額佔世界六成？", "organisation"),
        ("邊防派出所是哪一個機構設置的單位？", "organisation"),
        ("區內企業主要來自哪些國家？", "list"),
        ("當地有哪幾種主要作物？", "list"),
        ("機關手槍可不可以連發？", "yesno"),
        ("聯邦總統是否可以不任命聯邦總理？", "yesno"),
        ("這座橋是不是世界上最長的橋？", "yesno"),
        ("馬祖有機場嗎？", "yesno"),
        ("為什麼瓦爾特汽車排出的氣會有空氣汙染？", "other"),
        ("道士的鞋子被稱為什麼？", "other"),
        ("中超聯賽的揭幕日期是什麼？", "date"),  # the time the gap stands for is named before it
        ("審核結果的公示時間是什麼？", "date"),
        ("他的職業是什麼？", "other"),
        ("海南島東南部發生了什麼天氣現象？", "other"),  # 天氣 is weather, not a day
        ("《最遊記外傳》是哪個日本漫畫家的作品？", "other"),  # 日本 is not a day
        ("他在什麼時候出生？", "date"),
    ],
)
def test_answer_type_in_both_scripts(question, expected):
    assert detect_answer_type(question).type == expected
    assert detect_answer_type(to_simplified(question)).type == expected
    assert expected in ANSWER_TYPES


def test_the_gap_is_the_question_word():
    q = detect_answer_type("上海自貿區是哪一天掛牌的？")
    assert q.folded[q.gap_start : q.gap_end].startswith("哪一")
    assert q.left == "上海自贸区是"
    assert q.right.startswith("天挂牌") or q.right.startswith("挂牌")
    assert detect_answer_type("面積有多少平方公里？").unit == "平方公里"


# --------------------------------------------------------------------------- spans


@pytest.mark.parametrize(
    "question, sentence, expected, kind",
    [
        ("上海自貿區是哪一年掛牌的？", "上海自貿區於2013年9月29日正式掛牌。", "2013年9月29日", "typed"),
        ("中國同盟會於何年成立？", "光緒三十一年，孫中山在日本東京組織中國同盟會。", "光緒三十一年", "typed"),
        ("上海自貿區掛牌之初的面積是多少平方公里？", "掛牌之初的面積為28.78平方公里，2014年擴區到120.72平方公里。", "28.78平方公里", "typed"),
        ("河北自貿試驗區吸引了全省多少比例的新設外資企業？", "河北自貿試驗區新設外資企業佔全省的24.1%，成為開放新高地。", "24.1%", "typed"),
        ("誰認為希臘語與梵語出自同一門語言？", "會中，威廉·瓊斯認為希臘語與梵語出自同一門語言。", "威廉·瓊斯", None),
        ("首任管委會主任是誰？", "首任管委會主任由戴海波擔任，任期五年。", "戴海波", "gap"),
        ("阿拉巴馬州的首府是哪個城市？", "阿拉巴馬州的首府是蒙哥馬利，最大城市是伯明罕。", "蒙哥馬利", "gap"),
        ("國立牛仔與西部史蹟博物館位於美國的哪一州？", "國立牛仔與西部史蹟博物館位於美國奧克拉荷馬州的首府。", "奧克拉荷馬州", "gap"),
        ("史特拉斯堡大教堂被哪個組織列為世界文化遺產？", "史特拉斯堡大教堂被聯合國教科文組織列為世界文化遺產。", "聯合國教科文組織", "gap"),
        ("哪一家報紙是目前唯一使用梵語的？", "唯一採用梵語的日報《蘇達爾摩》在印度出版。", "《蘇達爾摩》", "typed"),
        ("區內企業主要來自哪些國家？", "區內企業主要來自美國、日本、德國和新加坡等國家。", "美國、日本、德國和新加坡", "typed"),
    ],
)
def test_span_for_traditional_and_simplified_questions(question, sentence, expected, kind):
    for q in (question, to_simplified(question)):
        start, end, found_kind = extract_span(q, sentence)
        assert expected in sentence[start:end], (q, sentence[start:end])
        assert end - start <= len(expected) + 6  # the phrase, not the sentence
        if kind:
            assert found_kind == kind


def test_yes_no_span_is_the_statement():
    sentence = "機關手槍即可以連發的短槍。"
    start, end, kind = extract_span("機關手槍可不可以連發？", sentence)
    assert kind == "clause" and "可以連發" in sentence[start:end]


def test_typed_spans_find_dates_and_numbers_in_the_folded_text():
    folded = fold("1970年代初，約3,000人於19世紀末遷入，佔全省的三分之一。")
    dates = [folded[a:b] for a, b in typed_spans("date", folded)]
    numbers = [folded[a:b] for a, b in typed_spans("number", folded)]
    assert "1970年代初" in dates and any("19世纪末" in d for d in dates)
    assert any("3,000人" in n for n in numbers) and any("三分之一" in n for n in numbers)


def test_clause_window_never_cuts_a_number_in_two():
    sentence = "河北自貿試驗區以佔全省萬分之六的國土面積吸引了同期全省24.1%的新設外資企業和14.8%的合同外資額"
    start = sentence.index("24.1%")
    for budget in range(8, 30):
        s, e = clause_window(sentence, start, start + 5, budget, set())
        piece = sentence[s:e]
        assert "24.1%" in piece
        assert not (piece[-1:].isdigit() and sentence[e : e + 1] in ".%0123456789"), (budget, piece)
        assert not (piece[:1].isdigit() and sentence[s - 1 : s] in ".0123456789"), (budget, piece)


def test_clause_window_keeps_whole_clauses_within_the_budget():
    sentence = "這是第一個很長的子句，答案在這裡是蒙哥馬利，另一個子句，最後一個子句。"
    start = sentence.index("蒙哥馬利")
    s, e = clause_window(sentence, start, start + 4, 12, set())
    assert sentence[s:e] == "答案在這裡是蒙哥馬利，"
    s, e = clause_window(sentence, start, start + 4, 100, set())
    assert (s, e) == (0, len(sentence))


# --------------------------------------------------------------------------- answering


@pytest.mark.parametrize(
    "question, retrieved, expected",
    [
        ("上海自貿區是哪一天掛牌的？", SHANGHAI, "2013年9月29日"),
        ("上海自貿區掛牌之初的面積是多少平方公里？", SHANGHAI, "28.78平方公里"),
        ("首任管委會主任是誰？", SHANGHAI, "戴海波"),
        ("阿拉巴馬州的首府是哪個城市？", ALABAMA, "蒙哥馬利"),
        ("史特拉斯堡大教堂被哪個組織列為世界文化遺產？", STRASBOURG, "聯合國教科文組織"),
        ("區內企業主要來自哪些國家？", SHANGHAI, "美國、日本、德國和新加坡"),
        ("阿拉巴馬州內有幾個國家森林？", ALABAMA, "四個國家森林"),
        ("史特拉斯堡大教堂是否被列為世界文化遺產？", STRASBOURG, "列為世界文化遺產"),
    ],
)
def test_answer_holds_the_span_in_the_questions_script(answerer, question, retrieved, expected):
    for q, script in ((question, "hant"), (to_simplified(question), "hans")):
        answer = answerer.run(q, [STRASBOURG, retrieved] if retrieved is not STRASBOURG else [retrieved, ALABAMA])
        assert not answer.abstained
        assert answer.script == script
        body = answer.answer.rsplit("[", 1)[0]
        assert (expected if script == "hant" else to_simplified(expected)) in body, answer.answer
        assert detect_script(body, default=script) == script
        assert answer.answer_type == detect_answer_type(q).type
        assert 0.0 <= answer.confidence <= 1.0


def test_citation_points_at_the_passage_with_the_span_and_highlights_it(answerer):
    answer = answerer.run("上海自贸区是哪一天挂牌的？", [ALABAMA, SHANGHAI])
    assert answer.answer.endswith("[1]")
    cited = answer.citations[0]
    assert cited.n == 1 and cited.doc_id == "shanghai.txt"
    assert 0 <= cited.highlight_start < cited.highlight_end <= len(cited.text)
    highlighted = cited.text[cited.highlight_start : cited.highlight_end]
    assert "2013年9月29日" in highlighted
    # The highlight is what the answer quotes (in the passage's own script).
    assert to_simplified(highlighted) == answer.answer.removesuffix("[1]")


def test_highlight_offsets_are_within_the_passage_not_the_document(answerer):
    doc_text = "前言一句。" * 30 + SHANGHAI.chunk.text
    start = len("前言一句。" * 30)
    hit = passage(SHANGHAI.chunk.text, doc_id="long.txt", start=start, doc_text=doc_text)
    answer = answerer.run("首任管委會主任是誰？", [hit])
    cited = answer.citations[0]
    assert (cited.start, cited.end) == (start, start + len(SHANGHAI.chunk.text))
    assert "戴海波" in cited.text[cited.highlight_start : cited.highlight_end]
    assert doc_text[cited.start + cited.highlight_start : cited.start + cited.highlight_end] == cited.text[
        cited.highlight_start : cited.highlight_end
    ]


def test_long_sentence_falls_back_to_the_clauses_around_the_answer():
    long_sentence = (
        "在經歷了多年的籌備與反覆的討論之後，經過地方政府與中央政府的多次協商，"
        "2013年9月29日上海自貿區正式掛牌，"
        "此後區內陸續推出了一系列涉及投資、貿易、金融與行政管理的改革措施，吸引了大量的外資企業進駐。"
    )
    answerer = ExtractiveAnswerer(min_confidence=0.1, max_chars=60)
    answer = answerer.run("上海自貿區是哪一天正式掛牌的？", [passage(long_sentence)])
    body = answer.answer.removesuffix("[1]")
    assert "2013年9月29日" in body
    assert len(body) < len(long_sentence) and len(body) <= 60
    assert body.startswith("2013年9月29日") or "，2013年9月29日" in body  # whole clauses


def test_typed_answer_is_short_when_the_sentence_is_long(answerer):
    sentence = "掛牌之初的面積為28.78平方公里，區內有外高橋保稅區、洋山保稅港區和浦東機場綜合保稅區等片區，涵蓋了浦東新區的多個重要經濟功能區。"
    answer = answerer.run("上海自貿區掛牌之初的面積是多少平方公里？", [passage(sentence)])
    body = answer.answer.removesuffix("[1]")
    assert "28.78平方公里" in body and len(body) <= 24


def test_an_ambiguous_number_keeps_its_context(answerer):
    sentence = "掛牌之初的面積為28.78平方公里，2014年擴區到120.72平方公里，區內有外高橋保稅區、洋山保稅港區和浦東機場綜合保稅區等片區。"
    answer = answerer.run("上海自貿區掛牌之初的面積是多少平方公里？", [passage(sentence)])
    body = answer.answer.removesuffix("[1]")
    assert "28.78平方公里" in body and "120.72平方公里" in body  # two areas: the context says which is which


def test_two_sentences_of_one_passage_share_one_citation():
    answerer = ExtractiveAnswerer(min_confidence=0.1, max_sentences=2)
    answer = answerer.run("上海自貿區掛牌的日期和面積是什麼？", [SHANGHAI])
    assert len(answer.citations) == 1
    assert answer.answer.count("[1]") == 1 and answer.answer.endswith("[1]")
    cited = answer.citations[0]
    assert "2013年9月29日" in cited.text[cited.highlight_start : cited.highlight_end]


def test_the_same_sentence_in_overlapping_passages_is_quoted_once():
    doc_text = SHANGHAI.chunk.text
    cut = doc_text.index("掛牌之初")
    first = passage(doc_text[: cut], doc_id="s.txt", doc_text=doc_text)
    overlap_start = doc_text.index("2013年")
    second = passage(doc_text[overlap_start:], doc_id="s.txt", start=overlap_start, doc_text=doc_text)
    answerer = ExtractiveAnswerer(min_confidence=0.1, max_sentences=2)
    answer = answerer.run("上海自貿區是哪一天掛牌的？", [first, second])
    assert answer.answer.count("2013年9月29日") == 1


def test_format_answer_merges_consecutive_markers_of_one_source():
    assert format_answer([("甲。", 1), ("乙。", 1), ("丙。", 2)]) == "甲。乙。[1]丙。[2]"
    assert format_answer([("甲。", 1), ("乙。", 2), ("丙。", 1)]) == "甲。[1]乙。[2]丙。[1]"


def test_unrelated_question_abstains_in_its_script():
    answerer = ExtractiveAnswerer(min_confidence=0.21)
    for question, script in (("2022年世界盃足球賽的冠軍是哪個國家？", "hant"), ("2022年世界杯足球赛的冠军是哪个国家？", "hans")):
        answer = answerer.run(question, [SHANGHAI, ALABAMA])
        assert answer.abstained and answer.citations == []
        assert answer.answer == ABSTAIN_MESSAGE[script]
        assert answer.confidence < 0.21


def test_no_passages_abstains():
    answer = ExtractiveAnswerer().run("上海自貿區是哪一天掛牌的？", [])
    assert answer.abstained and answer.confidence == 0.0 and answer.answer_type == "date"


def test_answer_type_is_not_in_the_json_contract(answerer):
    data = answerer.run("上海自貿區是哪一天掛牌的？", [SHANGHAI]).to_dict()
    assert set(data) == {"question", "answer", "abstained", "citations", "latency_ms"}


# --------------------------------------------------------------------------- topic and story


FISH_TEXT = (
    "日本綠鸚嘴魚，又名日本鸚哥魚、火紅綠鸚嘴魚，為輻鰭魚綱鱸形目鸚哥魚科的其中一種。"
    "本魚分布於太平洋區，包括日本、琉球群島及台灣海域。"
    "水深1至20公尺。"
)
FISH = passage(FISH_TEXT, doc_id="fish.txt", title="日本綠鸚嘴魚")


def test_words_beyond_the_headline_pick_the_sentence(answerer):
    """The fish's name is in every sentence's headline: 分布 says which sentence answers."""
    q = detect_answer_type("日本綠鸚嘴魚主要分布在什麼地方？")
    sentences = {FISH_TEXT[s.start : s.end][:4]: s for s in answerer.sentences(q, [FISH])}
    for feature in ("off_title", "uni_off_title"):
        assert sentences["本魚分布"].features[feature] > sentences["日本綠鸚"].features[feature]
    answer = answerer.run("日本綠鸚嘴魚主要分布在什麼地方？", [FISH])
    assert "太平洋區" in answer.answer


def _candidate(passage_no: int, pcov: float):
    from newsqa.qa.sentence_scoring import ScoredSentence

    sentence = ScoredSentence(passage_no, 0, 1, None, frozenset())
    sentence.features = {"pcov": pcov}
    return sentence


def test_gate_keeps_the_best_story_and_drops_weaker_related_ones():
    """Another passage of the best passage's article needs SAME_STORY_GATE of its coverage,
    another article PASSAGE_GATE: a related story sharing a few words is not a source."""
    from newsqa.qa.answerer import PASSAGE_GATE, SAME_STORY_GATE

    assert SAME_STORY_GATE < PASSAGE_GATE
    doc = "甲" * 40
    best = passage(doc[:20], doc_id="story.txt", doc_text=doc)
    same_story = passage(doc[20:], doc_id="story.txt", start=20, doc_text=doc)
    related = passage("乙" * 20, doc_id="related.txt")
    middle = (SAME_STORY_GATE + PASSAGE_GATE) / 2
    kept = ExtractiveAnswerer._gate(
        [_candidate(0, 1.0), _candidate(1, middle), _candidate(2, middle), _candidate(2, PASSAGE_GATE)],
        [best, same_story, related],
    )
    assert [(s.passage, s.features["pcov"]) for s in kept] == [(0, 1.0), (1, middle), (2, PASSAGE_GATE)]


# --------------------------------------------------------------------------- Traditional as its readers write it

UNICOM = passage(
    "在刚刚举行的公司业绩说明会上，总裁陈忠岳称联通云全年收入将超过500亿元。"
    "为了着陆新市场，公司里的软件团队扩大了一倍。",
    doc_id="unicom.txt",
    title="中国联通业绩说明会",
)


@pytest.mark.parametrize(
    "variant, expected, unexpected",
    [("tw", "總裁陳忠岳稱", "陳忠嶽"), ("hk", "總裁陳忠岳稱", "陳忠嶽"), ("generic", "總裁陳忠岳稱", "陳忠嶽")],
)
def test_a_traditional_question_gets_its_readers_forms_and_names_stay(variant, expected, unexpected):
    answerer = ExtractiveAnswerer(min_confidence=0.0, traditional_variant=variant)
    answer = answerer.run("聯通總裁說聯通雲全年收入會超過多少？", [UNICOM])
    assert expected in answer.answer and unexpected not in answer.answer


def test_taiwan_characters_are_the_default():
    answer = ExtractiveAnswerer(min_confidence=0.0).run("公司的團隊擴大了多少？", [UNICOM])
    assert "軟件" in answer.answer and "裡" in answer.answer and "為了著陸" in answer.answer
    phrases = ExtractiveAnswerer(min_confidence=0.0, traditional_variant="tw-phrases").run("公司的團隊擴大了多少？", [UNICOM])
    assert "軟體" in phrases.answer
    generic = ExtractiveAnswerer(min_confidence=0.0, traditional_variant="generic").run(
        "公司的團隊擴大了多少？", [UNICOM])
    assert "軟件" in generic.answer and "裏" in generic.answer and "爲了着陸" in generic.answer


def test_the_question_spelling_is_kept_in_the_answer():
    answer = ExtractiveAnswerer(min_confidence=0.0).run("公司裡的軟件團隊擴大了多少？", [UNICOM])
    assert "公司裡的軟件團隊" in answer.answer


# --------------------------------------------------------------------------- leads


@pytest.mark.parametrize(
    "question, sentence, lead",
    [
        ("吉利汽车的CEO是谁？", "IT之家 7 月 31 日消息，吉利汽车今日的内部大会上，CEO 淦家阅透露将发布大模型。",
         "IT之家 7 月 31 日消息，"),
        ("灯组在哪里正式亮灯？", "封面新闻记者 张三 ，某灯组在成都大运会开幕式上正式亮灯。", "封面新闻记者 张三 ，"),
        ("國家發改委9日發布了什麼通知？", "人民網北京8月10日電(記者杜燕飛)國家發改委9日發布通知，汽油價格每噸提高240元。",
         "人民網北京8月10日電(記者杜燕飛)"),
        ("雪顿节在哪座寺庙开幕？", "中新社拉萨8月16日电 (拉巴卓玛 邢一)2023年雪顿节16日在拉萨哲蚌寺开幕。",
         "中新社拉萨8月16日电 (拉巴卓玛 邢一)"),
        ("某公司发布了什么报告？", "（深圳商报记者 涂竞玉）某公司发布2023年半年度报告，营收增长两成。", "（深圳商报记者 涂竞玉）"),
        ("某國哪裡發生倉庫爆炸？", "據新華社電 某國首都一座倉庫發生爆炸，造成3人受傷。", "據新華社電 "),
        ("某国哪里发生仓库爆炸？", "据新华社电 某国首都一座仓库发生爆炸，造成3人受伤。", "据新华社电 "),
    ],
)
def test_an_answer_starts_after_the_dateline_or_byline_and_so_does_its_highlight(answerer, question, sentence, lead):
    answer = answerer.run(question, [passage(sentence)])
    assert not answer.abstained
    cited = answer.citations[0]
    assert cited.highlight_start == len(lead)
    assert answer.answer.startswith(sentence[len(lead) : len(lead) + 4])


@pytest.mark.parametrize(
    "question, sentence",
    [
        ("某国哪里发生仓库爆炸？", "美联社8月5日报道称，某国首都一座仓库发生爆炸，造成3人受伤。"),  # the sentence goes on from it
        ("中国联通与腾讯新设的合营企业叫什么名字？", "中国联通与腾讯新设合营企业云宙时代已注册登记并启动运营。"),  # 腾讯 is no 「…讯」
        ("中國聯通與騰訊新設的合營企業叫什麼名字？", "中國聯通與騰訊新設合營企業雲宙時代已註冊登記並啟動運營。"),
    ],
)
def test_what_only_looks_like_a_lead_stays(answerer, question, sentence):
    answer = answerer.run(question, [passage(sentence)])
    assert answer.citations[0].highlight_start == 0 and answer.answer.startswith(sentence[:4])


def test_an_answer_never_quotes_across_a_blanked_credit(answerer):
    sentence = "乘务人员处理冒烟的充电宝        据飞常准显示，8月13日的MU6958航班备降武汉天河国际机场。"
    answer = answerer.run("MU6958航班备降在哪个机场？", [passage(sentence)])
    assert answer.answer == "据飞常准显示，8月13日的MU6958航班备降武汉天河国际机场。[1]"
    assert answer.citations[0].highlight_start == sentence.index("据飞常准")


# --------------------------------------------------------------------------- a date without its year


def _dated(text: str, date: str | None, doc_id: str = "fin.txt") -> RetrievedChunk:
    hit = passage(text, doc_id=doc_id, title="芬兰与美国防务合作协议")
    hit.document.date = date
    return hit


def test_a_when_answer_quoting_a_date_without_its_year_leads_with_the_full_date(answerer):
    text = "芬兰总统斯图布签署了芬兰与美国防务合作协议，该协议预计将于9月1日生效，并允许美军使用芬兰的军事基地。"
    answer = answerer.run("芬兰与美国的防务合作协议将在何时生效？", [_dated(text, "2024-07-05")])
    # the story is of July 2024: its 「9月1日」 is that September, not the year before
    assert answer.answer.startswith("2024年9月1日：")
    assert "9月1日生效" in answer.answer


def test_no_full_date_is_added_when_the_quote_states_its_year_or_the_story_has_no_date(answerer):
    with_year = "芬兰总统签署了芬兰与美国防务合作协议，该协议预计将于2024年9月1日生效。"
    undated = "芬兰总统签署了芬兰与美国防务合作协议，该协议预计将于9月1日生效。"
    question = "芬兰与美国的防务合作协议将在何时生效？"
    assert answerer.run(question, [_dated(with_year, "2024-07-05")]).answer.startswith("芬兰总统")
    assert answerer.run(question, [_dated(undated, None)]).answer.startswith("芬兰总统")


def test_without_a_story_date_a_year_the_passage_states_earlier_dates_the_day(answerer):
    text = "1857年，英國決定擴大侵華戰爭。4月20日，巴麥尊任命原駐加拿大總督額爾金為全權專使，率使團來華。"
    answer = answerer.run("巴麥尊在哪一年任命額爾金為全權專使？", [_dated(text, None)])
    assert answer.answer.startswith("1857年4月20日：")


@pytest.mark.parametrize(
    ("question", "text", "story_date", "opening"),
    [
        # a day without its month gets the month and year of its story
        ("台风杜苏芮是哪一天登陆的？", "28日9时55分前后，台风杜苏芮在福建省晋江市沿海登陆，登陆时中心附近最大风力有15级。",
         "2023-07-28", "2023年7月28日9时55分前后："),
        # a year-less month gets its story's year
        ("土耳其计划于哪一个月份接收首批S-400系统？", "土耳其计划于7月份接收首批S-400系统，并坚称该系统不会对美国F-35战斗机构成威胁。",
         "2019-06-11", "2019年7月："),
        # a lead that states no date is dated by its story; undated, it is quoted as it is
        ("Feekr旅行在哪一天发布了关于汕尾的文章？", "Feekr旅行发布文章，介绍中国海鲜美食之都汕尾的美食、海景和独特的文化。",
         "2023-06-30", "2023年6月30日：Feekr旅行发布文章"),
        ("Feekr旅行在哪一天发布了关于汕尾的文章？", "Feekr旅行发布文章，介绍中国海鲜美食之都汕尾的美食、海景和独特的文化。",
         None, "Feekr旅行"),
        # an undated story's day takes the one year the question names
        ("2024年中超联赛的揭幕日期是什么？", "2024赛季中超联赛将于3月1日揭幕，上海海港队对阵武汉三镇队。", None, "2024年3月1日："),
        # a year alone is not when it happened: the day after it is
        ("台风杜苏芮是什么时候逼近东南沿海的？", "今年第5号台风“杜苏芮”持续逼近我国东南沿海，中央气象台27日18时继续发布台风红色预警。",
         "2023-07-27", "2023年7月27日18时："),
        # a range of days in one month, and a time of day, as the text writes them
        ("2021年中秋节的假期是从什么时候到什么时候？", "国务院办公厅发布通知，2021年中秋节放假3天。具体放假调休日期如下：中秋节9月19日至21日。",
         None, "2021年9月19日至21日："),
        ("决堤预计在什么时候完成封堵？", "湖南省华容县堤防发生决堤，预计7月9日中午前完成封堵。", "2024-07-08", "2024年7月9日中午前："),
        # an undated story's bare month takes the one year the question names
        ("海底捞在2021年什么时候宣布关闭300家门店？", "2021年，海底捞亏损41.61亿元。11月，海底捞宣布关店300家，创始人张勇卸任CEO。",
         None, "2021年11月："),
        # a plan happens after its story's date: no date for it
        ("吉利汽车的AI大模型是哪一天发布的？", "吉利汽车宣布，其自研的AI大模型将于下半年对外发布。", "2023-07-31", "吉利汽车宣布"),
        # a sentence opening with its report's date tells the day the event is to happen
        ("比亚迪仰望U8的上市日期是什么时候？", "2023年9月15日，比亚迪旗下全新旗舰SUV车型仰望U8将于20日正式上市。",
         "2023-09-15", "2023年9月20日："),
        ("比亚迪仰望U8是什么时候宣布上市日期的？", "2023年9月15日，比亚迪宣布旗舰SUV车型仰望U8的上市日期。",
         "2023-09-15", "2023年9月15日，"),
        # a period asked for its end: its last day, in full
        ("国防法修订草案征求意见的截止日期是什么时候？", "2020年10月21日，国防法修订草案公布，征求意见时间为10月21日至11月19日。",
         "2020-10-21", "2020年11月19日："),
        ("国防法修订草案征求意见的时间是什么时候？", "2020年10月21日，国防法修订草案公布，征求意见时间为10月21日至11月19日。",
         "2020-10-21", "2020年10月21日至11月19日："),
        # a relative year, read against the story's date, when a year is asked
        ("巴木玉布木的照片是哪一年走红的？", "14年前，巴木玉布木因春运时背着行囊怀抱婴儿的照片走红网络，被称为春运母亲。",
         "2024-02-01", "2010年：14年前"),
        ("巴木玉布木的照片是什么时候走红的？", "14年前，巴木玉布木因春运时背着行囊怀抱婴儿的照片走红网络，被称为春运母亲。",
         "2024-02-01", "14年前"),
        # no month for a list of months, or when a day is asked
        ("大熊猫丫丫的生日是几月几日？", "不少网友好奇，为何这么多大熊猫的生日在7月、8月？", "2023-07-20", "不少网友"),
    ],
)
def test_a_when_answer_leads_with_the_date_its_story_gives(answerer, question, text, story_date, opening):
    assert answerer.run(question, [_dated(text, story_date, doc_id="story.txt")]).answer.startswith(opening)


def test_a_when_answer_s_date_is_in_the_reader_s_script():
    text = "8月18日凌晨1时02分，黎平县肇兴镇肇兴村“梦幻肇兴”客栈发生一起火灾。"
    answer = ExtractiveAnswerer(min_confidence=0.1).run("黎平縣客棧的火災是凌晨幾點發生的？", [_dated(text, "2023-08-18")])
    assert answer.answer.startswith("2023年8月18日凌晨1時02分：8月18日凌晨1時02分")
