"""Answers stay in the place the question names (qa/places.py and the answerer's use of it)."""

from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.places import places_in
from newsqa.script import fold
from newsqa.types import Chunk, Document, RetrievedChunk


def passage(text: str, doc_id: str, title: str) -> RetrievedChunk:
    document = Document(doc_id=doc_id, title=title, text=text)
    return RetrievedChunk(chunk=Chunk(f"{doc_id}:0", doc_id, 0, text, 0, len(text), text), document=document, score=1.0)


# Two related stories that share nearly every word but the place (as in the seed's 相關焦點 list).
GUANGDONG = passage(
    "2015年4月27日，廣東自由貿易試驗區前海蛇口片區正式掛牌成立。片區規劃面積28.2平方公里。",
    "guangdong.txt", "前海蛇口自貿片區",
)
HEBEI = passage(
    "河北自貿試驗區以佔全省萬分之六的國土面積，吸引了同期全省24.1%的新設外資企業。"
    "河北自貿試驗區已形成全國首創性案例11項。",
    "hebei.txt", "河北自貿試驗區:已形成全國首創性案例11項",
)


def test_place_names_in_either_script_longest_first():
    assert places_in(fold("河北自貿試驗區是哪一天正式掛牌的？")) == {"河北"}
    assert places_in(fold("内蒙古和黑龍江的口岸")) == {"内蒙古", "黑龙江"}
    assert places_in(fold("廣東省深圳市前海")) == {"广东", "深圳", "前海"}
    assert places_in(fold("這條新聞沒有地名。")) == set()


def test_a_date_asked_of_one_place_is_not_taken_from_another_places_story():
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    hebei = answerer.run("河北自貿試驗區是哪一天正式掛牌的？", [GUANGDONG, HEBEI])
    assert hebei.abstained and "2015" not in hebei.answer
    guangdong = answerer.run("廣東自貿試驗區前海蛇口片區是哪一天正式掛牌的？", [GUANGDONG, HEBEI])
    assert not guangdong.abstained and "2015年4月27日" in guangdong.answer
    assert guangdong.citations[0].doc_id == "guangdong.txt"


def test_an_answer_about_the_place_asked_comes_from_its_story():
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    answer = answerer.run("河北自貿試驗區吸引了全省多少新設外資企業？", [GUANGDONG, HEBEI])
    assert not answer.abstained and "24.1%" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"hebei.txt"}


def test_a_question_naming_no_place_keeps_every_story():
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    answer = answerer.run("自貿片區的規劃面積是多少平方公里？", [HEBEI, GUANGDONG])
    assert not answer.abstained and "28.2平方公里" in answer.answer


def test_a_place_inside_the_region_asked_about_is_the_same_story():
    from newsqa.qa.places import regions_in

    assert regions_in(fold("上海浦東臨港新片區")) == {"上海"}
    assert regions_in(fold("湖北自貿試驗區宜昌片區")) == {"湖北"}
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    pudong = passage("掛牌之初的面積為28.78平方公里，區內有浦東機場綜合保稅區等片區。", "pudong.txt", "浦東")
    answer = answerer.run("上海自貿區掛牌之初的面積是多少平方公里？", [pudong, GUANGDONG])
    assert not answer.abstained and "28.78平方公里" in answer.answer
