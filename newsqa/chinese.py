"""Chinese text facts shared by every floor: common characters and a readability score;
numerals and the numbers of a text (二十三, 两万, 2萬, 1,200); ordinals (第9次, 首届), the
sex words of competitions (女子/男篮) and codes (G310, QX036).

The common characters tell which of several decodings of the same bytes (GB18030, Big5,
UTF-8) is real Chinese: files in ``ingest.readers`` and questions typed on a GBK or Big5
terminal in ``newsqa.question``. Numerals are read here for every floor: the counts and
dates of time expressions (``newsqa.timex``), the numbers an answer's citations must hold
(``newsqa.qa.citations``), the number phrases an answer may quote (``newsqa.qa.spans``).
Ordinals, sex words and codes pin a question to one story (``newsqa.qa.qualifiers``);
codes also anchor retrieval (``newsqa.qa.retriever``).

Example::

    >>> chinese_score("上海自贸区是哪一天挂牌的")[0] > 0.8
    True
    >>> numeral_value("一千二百三十四"), sorted(numbers("近3.5萬名員工"))
    (1234, ['3.5', '35000'])
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from newsqa.script import fold, to_traditional

# ~1,170 of the most frequent Simplified characters; their Traditional forms are added below.
_FREQUENT_HANS = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还"
    "进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或"
    "新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太"
    "量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交"
    "规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
    "深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历"
    "首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧"
    "黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印"
    "晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担"
    "州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央"
    "户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移"
    "娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣"
    "择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌"
    "店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱"
    "埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵"
)

CJK_PUNCTUATION = "，。、；：？！「」『』（）《》“”‘’…—·"


@lru_cache(maxsize=1)
def frequent_chars() -> frozenset[str]:
    """The common characters in both scripts, plus CJK punctuation."""
    chars = "".join(_FREQUENT_HANS)
    return frozenset(chars) | frozenset(to_traditional(chars)) | frozenset(CJK_PUNCTUATION)


def sample(text: str, size: int = 60_000) -> str:
    """The text itself, or its beginning, middle and end when it is long (checks stay fast on big files)."""
    if len(text) <= size:
        return text
    third = size // 3
    middle = len(text) // 2
    return text[:third] + text[middle : middle + third] + text[-third:]


def chinese_score(text: str) -> tuple[float, int]:
    """(share of the non-ASCII characters that are common Chinese ones, non-ASCII count), on a sample."""
    frequent = frequent_chars()
    wide = [c for c in sample(text) if ord(c) > 127]
    if not wide:
        return 1.0, 0
    return sum(1 for c in wide if c in frequent) / len(wide), len(wide)


# ------------------------------------------------------------------------- numbers
#: The numerals as a folded (Simplified) text writes them: digits (〇 and 零 are 0, 两 is 2),
#: units and myriads; the character classes of the number patterns are made of these.
NUMERAL_DIGITS = "〇零一二两三四五六七八九"
NUMERAL_UNITS = "十百千"
NUMERAL_MYRIADS = "万亿"
NUMERAL_CHARS = NUMERAL_DIGITS + NUMERAL_UNITS + NUMERAL_MYRIADS
#: A number in digits: 3, 28.78, 1,200 (a folded text writes ， as ,).
ARABIC_NUMBER = r"\d+(?:[,，]\d{3})*(?:\.\d+)?"

# 兩 too: ``newsqa.timex`` reads unfolded text in either script.
_DIGIT_VALUES = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_UNIT_VALUES = {"十": 10, "百": 100, "千": 1000}
_MYRIAD_VALUES = {"万": 10_000, "亿": 100_000_000}
_SCALES = _UNIT_VALUES | _MYRIAD_VALUES


def numeral_value(text: str, *, zero_multiplies: bool = False) -> int | None:
    """The value of a number in Chinese numerals (or digits); None when ``text`` is not one.

    十五 → 15, 二十三 → 23, 一百零五 → 105, 一千二百三十四 → 1234, 两万 → 20000; numerals
    without a unit are read digit by digit (二〇二一 → 2021); 12 and １２ → 12.
    A 零 right before a unit holds a place (一千零十 → 1010); with ``zero_multiplies`` it is
    the digit 0 times that unit (一千零十 → 1000), as ``numbers`` has always read it.
    """
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if not any(char in _UNIT_VALUES or char in _MYRIAD_VALUES for char in text):
        digits = [_DIGIT_VALUES.get(char) for char in text]
        return None if None in digits else int("".join(map(str, digits)))
    total, section, digit = 0, 0, None
    for char in text:
        if char in _DIGIT_VALUES:
            digit = _DIGIT_VALUES[char]
        elif char in _UNIT_VALUES:
            place_holder = digit is None or (digit == 0 and not zero_multiplies)
            section += (1 if place_holder else digit) * _UNIT_VALUES[char]
            digit = None
        elif char in _MYRIAD_VALUES:
            section += digit or 0
            total += (section or 1) * _MYRIAD_VALUES[char]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


_NUMBER_RE = re.compile(
    rf"(?P<arabic>{ARABIC_NUMBER})\s*(?P<scale>[万亿千百](?![分]))?"
    rf"|(?P<cn>[{NUMERAL_CHARS}]+)"
)
# A Chinese numeral counts as a number only with one of these after it (一流, 统一 are not numbers).
_CN_COUNTED = re.compile(r"[年月日号个名人家所项次倍岁元亿万千百公里米吨件位座条户份届周天成%]")


def _normalise(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def numbers(text: str) -> set[str]:
    """The numbers of ``text``, normalised (``2萬`` → ``20000``; ``1,200`` → ``1200``; ``09`` → ``9``).

    Chinese numerals count only when a counter or unit follows them (``三萬名``, ``十二月``),
    so words such as 一流 or 統一 are not numbers.
    """
    folded = fold(text)
    found: set[str] = set()
    for match in _NUMBER_RE.finditer(folded):
        try:
            if match.group("arabic"):
                value = Decimal(match.group("arabic").replace(",", "").replace("，", ""))
                scale = match.group("scale")
                found.add(_normalise(value))
                if scale:
                    found.add(_normalise(value * _SCALES[scale]))
                continue
            numeral = match.group("cn")
            after = folded[match.end() : match.end() + 1]
            if len(numeral) < 2:  # 一流, 統一, 第三: not facts to check
                continue
            if not _CN_COUNTED.match(after) and not any(c in NUMERAL_DIGITS for c in numeral):
                continue  # 千萬不要
            value = numeral_value(numeral, zero_multiplies=True)
            if value is not None:
                found.add(_normalise(Decimal(value)))
        except (InvalidOperation, ValueError):
            continue
    return found


# Counters and units that make a number a claim about something (2013年, 1個月, 8項, 80%).
_COUNTER = "年月日号个名人家所项次倍岁元里米吨件位座条户份届周天成%"
_COUNTED_RE = re.compile(
    rf"(?P<num>{ARABIC_NUMBER}\s*[万亿千百]?|[{NUMERAL_CHARS}]{{2,}})"
    r"\s*(?:多|余|几|左右|来)?\s*(?P<unit>[" + _COUNTER + r"])"
)


def counted_numbers(text: str) -> set[tuple[str, str]]:
    """``(value, counter)`` pairs of ``text``: ``1個月`` → ``("1", "个")``, ``2萬餘家`` → ``("20000", "家")``,
    ``2013年`` → ``("2013", "年")``. Stricter than :func:`numbers`: 1個月 is not 1.1%."""
    found: set[tuple[str, str]] = set()
    for match in _COUNTED_RE.finditer(fold(text)):
        for value in numbers(match.group("num") + match.group("unit")):
            found.add((value, match.group("unit")))
    return found


# ------------------------------------------------------------------------- qualifiers
# The sex of a competition or team, as the folded (Simplified) text writes it.
OTHER_SEX: dict[str, tuple[str, ...]] = {
    "男子": ("女子",), "女子": ("男子",), "男篮": ("女篮",), "女篮": ("男篮",), "男足": ("女足",), "女足": ("男足",),
    "男排": ("女排",), "女排": ("男排",), "男单": ("女单",), "女单": ("男单",), "男双": ("女双", "混双"),
    "女双": ("男双", "混双"), "混双": ("男双", "女双"),
}
SEX_WORDS: tuple[str, ...] = tuple(OTHER_SEX)
# 第9次 / 第八届 / 第 3 轮 / 首届 (not 首次: "for the first time" qualifies nothing).
_ORDINAL = re.compile(rf"第\s*(\d{{1,4}}|[{NUMERAL_DIGITS}十百]{{1,5}})\s*([届次期轮季场])|首([届期轮季场])")


# A serial name: 神舟十三号, 嫦娥五号, 长征五号, 10号线 (two characters of name before the number;
# not a date's 「月3号」, not 号码/号楼/号院).
_SERIAL = re.compile(rf"([\u4e00-\u9fff]{{2}}|[a-z]{{2,}})\s*(\d{{1,3}}|[{NUMERAL_DIGITS}十百]{{1,4}})\s*号(?![码楼院房])")


def ordinals(folded: str) -> set[tuple[str, int]]:
    """``(counter, n)`` of every ordinal in a folded (Simplified) text: 「第9次」 → ("次", 9),
    「第八届」 → ("届", 8), 「首届」 → ("届", 1), and of every serial name: 「神舟十三号」 →
    ("神舟号", 13) (the name is part of the counter: 嫦娥五号 and 长征五号 are not rivals)."""
    found: set[tuple[str, int]] = set()
    for m in _SERIAL.finditer(folded):
        name, n = m.group(1), numeral_value(m.group(2))
        if n is not None and not name.endswith(("月", "第")):
            found.add((name + "号", n))
    for m in _ORDINAL.finditer(folded):
        if m.group(3):
            found.add((m.group(3), 1))
            continue
        n = numeral_value(m.group(1))
        if n is not None:
            found.add((m.group(2), n))
    return found


# A code: a folded latin word that starts with a letter and holds a digit (qx036, c919, g310,
# lpddr5x); 5g is too short, and 100m / 31m are measures, not names.
_CODE = re.compile(r"(?<![a-z0-9])(?=[a-z0-9]*[0-9])[a-z][a-z0-9]{2,}(?![a-z0-9])")


def codes(folded: str) -> list[str]:
    """The codes of a folded (lower-cased) text, in order: 「诺基亚g310售价」 → ["g310"]."""
    return _CODE.findall(folded)


def holds_codes(folded: str, wanted) -> bool:
    """Whether the folded text holds every code of ``wanted`` as a whole word (g310, not g3100)."""
    return all(re.search(rf"(?<![a-z0-9]){re.escape(code)}(?![a-z0-9])", folded) for code in wanted)


# A yes/no answer's first words: 「不是：…」「是的，…」 (folded, Simplified).
_NO = re.compile(r"^(?:不是|不对|不|否|没有|并非|并不|并没有|未)")
_YES = re.compile(r"^(?:是|对|正确|确实|有|都是|都在)")


def polarity(text: str) -> bool | None:
    """The yes (True) or no (False) a judgement's answer opens with, read from its first
    clause (「不是：A在2020年1月[1]…」 → False; 「不是」 holds 是, so it is no substring test);
    None when it opens with neither."""
    head = text.strip().lstrip("「“\"'（(")
    if _NO.match(head):
        return False
    if _YES.match(head):
        return True
    return None


# 和 that joins two things in a list (folded text), not the 和 of 共和国, 和平, 党和国家, 调和
# (but 下调和 / 上调和 joins: 「存量房贷利率下调和…」).
JOINING_AND = r"(?<![共温缓柔暖祥党])(?<!(?<![上下])调)和(?![平谐睦蔼号])"
