"""The yes or no that opens the answer to a yes/no question (``newsqa.qa.yesno``)."""

import pytest

from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.yesno import verdict
from newsqa.script import to_simplified, to_traditional
from newsqa.types import Chunk, Document, RetrievedChunk


@pytest.mark.parametrize(
    "question, statement, expected",
    [
        # the statement says what was asked
        ("今年2月底这部纪录片开播了吗？", "2024年2月26日，纪录片《瓣瓣同心》开播。", "是"),
        ("APEC会议上，俄罗斯受邀参加吗？", "俄罗斯受邀参加APEC会议。", "是"),
        # a negation just before the question's words
        ("决议草案在安理会投票中是否通过？", "决议草案仅获得2票支持，未达到通过所需的9票。", "不是"),
        ("梅西是否进入欧冠8强？", "梅西连续第三年未能进入欧冠8强。", "不是"),
        ("中国是否收到了美国政府的抗疫资金？", "中方从未收到来自美国政府的抗疫资金和援助。", "不是"),
        # a negation elsewhere in the statement does not bear on the question
        ("比特币价格是否突破了10000美元？", "比特币突破10000美元，不少中概股涨幅显著。", "是"),
        ("比特币价格是否突破了10000美元？", "比特币突破10000美元，但并未站稳。", "是"),
        # the verdict's word follows the question's verb
        ("上海有新增本地确诊病例吗？", "上海新增境外输入病例5例，无新增本地确诊病例。", "没有"),
        ("上海有新增本地确诊病例吗？", "上海新增本地确诊病例3例。", "有"),
        ("被拘留的人现在可以进入体育场馆观看比赛了吗？", "责令十二个月内不得进入体育场馆观看比赛。", "不可以"),
        ("他能参加奥运会吗？", "他因伤无法参加奥运会。", "不能"),
        # a question asking about a negation: the statement confirming it is a yes
        ("他没有参加奥运会吗？", "他因伤没有参加奥运会。", "是"),
        # A-not-A modals, answered by the sentence's own modal negation
        ("马来语和印尼语之间可不可以沟通？", "使用这两种语言的人基本上是可以互相沟通的。", "可以"),
        ("联邦总统能不能不任命联邦总理？", "再经联邦总统任命就可以成为总理，而联邦总统不能拒绝任命总理。", "不能"),
        # 是否 inside a question that asks for a thing is no yes/no question
        ("英国目前测量患者是否有高血压的方法是？", "英国的做法是量到一次血压高指标之后马上做动态测量。", ""),
        # a figure the question asks about must be stated, else no verdict at all
        ("上海自贸区的面积是否超过200平方公里？", "扩区前，28.78平方公里辖区内聚集2万余家企业。", ""),
        ("比特币价格是否突破了10000美元？", "比特币突破10000美元。", "是"),
        ("2023年11月11日的会议上，俄罗斯受邀参加吗？", "俄罗斯受邀参加11日至17日举行的会议。", "是"),
        # what the verdict is about must be in the sentence: no 有 from one that never says 推迟
        ("成都大运会有没有推迟举办？", "成都大运人已经为大运会的成功举办做好了充足的准备。", ""),
        ("成都大运会有没有推迟举办？", "在过去的四年里，成都大运会先后经历了两次推迟举办。", "有"),
        ("APEC会议上，俄罗斯受邀参加吗？", "美国国务院邀请俄罗斯出席会议。", ""),  # a paraphrase settles nothing
    ],
)
def test_verdict_in_both_scripts(question, statement, expected):
    assert verdict(question, statement) == expected
    # the reader's script does not change the reading (the caller converts the word)
    assert verdict(to_traditional(question), to_traditional(statement)) == expected
    assert verdict(to_traditional(question), statement) == expected


def _passage(text: str, doc_id: str) -> RetrievedChunk:
    document = Document(doc_id=doc_id, title="測試", text=text)
    return RetrievedChunk(chunk=Chunk(f"{doc_id}:0", doc_id, 0, text, 0, len(text), text), document=document, score=1.0)


VOTE = _passage("2020年8月16日，美國提出的決議草案在聯合國安理會投票中僅獲得2票支持，未達到通過所需的9票。", "vote.txt")
OPENING = _passage("2024年2月26日，紀錄片《瓣瓣同心》在中央廣播電視總台開播，共分三集。", "doc.txt")


@pytest.mark.parametrize(
    "question, passages, opening",
    [
        ("美國提出的決議草案在安理會投票中是否通過？", [VOTE, OPENING], "不是："),
        ("紀錄片《瓣瓣同心》開播了嗎？", [OPENING, VOTE], "是："),
    ],
)
def test_a_yes_no_answer_opens_with_its_verdict_then_quotes_the_source(question, passages, opening):
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    for asked, word in ((question, opening), (to_simplified(question), to_simplified(opening))):
        answer = answerer.run(asked, passages)
        assert not answer.abstained and answer.answer_type == "yesno"
        assert answer.answer.startswith(word), answer.answer
        assert answer.answer.endswith("[1]") and answer.citations[0].doc_id == passages[0].document.doc_id
        quoted = answer.answer.removeprefix(word).removesuffix("[1]")
        cited = answer.citations[0]
        assert to_simplified(quoted) == to_simplified(cited.text[cited.highlight_start : cited.highlight_end])
