"""Chinese script handling with OpenCC: detection, conversion, and folding for matching.

Display text is never changed; ``fold()`` gives the form used for keyword matching
(NFKC width folding, Simplified script, lower case), so a Traditional question
matches a Simplified article and the machine-conversion artefacts of the seed
(公裡, 籤署) fold onto their Simplified forms (公里, 签署).

Example::

    >>> detect_script("上海自贸区是哪一天挂牌的？")
    'hans'
    >>> to_script("2013年9月29日上海自貿區掛牌", "hans")
    '2013年9月29日上海自贸区挂牌'
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

Script = Literal["hans", "hant"]

_lock = threading.Lock()
_converters: dict[str, object] = {}


def _converter(config: str):
    # opencc-python-reimplemented builds its dictionaries on construction (~50 ms); share them.
    with _lock:
        conv = _converters.get(config)
        if conv is None:
            from opencc import OpenCC

            conv = OpenCC(config)
            _converters[config] = conv
        return conv


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text) if text else text


def to_simplified_in_place(text: str) -> str:
    """``text`` in Simplified script only when the conversion keeps its length, so offsets into
    it stay valid (a phrase conversion that changes the length leaves ``text`` as it is).
    Unlike ``fold`` it keeps width and case: 「那董事長呢」 → 「那董事长呢」."""
    simplified = to_simplified(text)
    return simplified if len(simplified) == len(text) else text


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text) if text else text


def from_taiwan_phrases(text: str) -> str:
    """Simplified with mainland phrases (軟體 → 软件), the way back from ``variant="tw"``."""
    return _converter("tw2sp").convert(text) if text else text


def has_traditional(text: str) -> bool:
    """Whether ``text`` holds a character that Simplified writes otherwise."""
    return to_simplified(text) != text


def to_script(text: str, script: Script) -> str:
    """Convert ``text`` to ``script`` ("hans" Simplified, "hant" Traditional)."""
    if script == "hans":
        return to_simplified(text)
    if script == "hant":
        return to_traditional(text)
    raise ValueError(f"unknown script {script!r}; use 'hans' or 'hant'")


def detect_script(text: str, default: Script = "hant") -> Script:
    """Which script ``text`` is written in, judged by the characters OpenCC would change.

    Text whose characters exist identically in both scripts (e.g. 上海) gives ``default``.
    """
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"]
    if not han:
        return default
    sample = "".join(han)
    trad_only = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    simp_only = sum(a != b for a, b in zip(sample, to_traditional(sample)))
    if trad_only > simp_only:
        return "hant"
    if simp_only > trad_only:
        return "hans"
    return default


# A text is Traditional when folding (t2s) changes more than this share of its Han characters
# (running Traditional text: a quarter to two fifths; Simplified: next to none).
TRADITIONAL_SHARE = 0.05


def written_script(pairs: Iterable[tuple[str, str]]) -> Script:
    """The script most of a collection's texts are written in, from ``(text, fold(text))``
    pairs (an index keeps both, so nothing is converted): ``"hant"`` when more texts are
    Traditional (folding changes over ``TRADITIONAL_SHARE`` of their Han characters) than
    Simplified, else ``"hans"``."""
    votes = {"hans": 0, "hant": 0}
    for text, folded in pairs:
        if len(text) != len(folded):  # a character folded into several: positions do not line up
            continue
        han = [a != b for a, b in zip(text, folded) if "\u4e00" <= a <= "\u9fff"]
        if han:
            votes["hant" if sum(han) > TRADITIONAL_SHARE * len(han) else "hans"] += 1
    return "hant" if votes["hant"] > votes["hans"] else "hans"


def in_script(text: str, script: Script) -> str:
    """``text`` written in ``script``: unchanged when it already is, else converted (to
    Traditional with Taiwan characters, the commonest Traditional standard). For a question
    put to an encoder that saw the passages in ``script``: e5 embeds 杜蘇芮颱風 and 杜苏芮台风
    apart, and a question in the passages' script finds them better."""
    if detect_script(text, default=script) == script:
        return text
    return to_simplified(text) if script == "hans" else _converter("s2tw").convert(text)


def in_both_scripts(words: dict[str, str]) -> dict[Script, dict[str, str]]:
    """Fixed words written once in Simplified (``words``), per script: Simplified as
    given, Traditional converted (``in_script``)."""
    return {"hans": dict(words), "hant": {key: in_script(text, "hant") for key, text in words.items()}}


def width_fold(text: str) -> str:
    """NFKC: full-width letters/digits/punctuation to half-width; keeps the length per char mostly."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=32768)
def _fold_cached(text: str) -> str:
    return to_simplified(width_fold(text)).lower()


def fold(text: str) -> str:
    """The matching form of ``text``: width-folded, Simplified, lower-cased.

    Texts up to a passage's length are cached (OpenCC is pure Python, ~1 ms a passage, and
    answering folds the sentences and passages it was handed: retrieved passages recur).
    """
    if len(text) <= 2048:
        return _fold_cached(text)
    return to_simplified(width_fold(text)).lower()


def matches(query: str | None, *texts: str | None) -> bool:
    """Whether ``query`` is in any of ``texts``, in either script, case and width ignored
    (the archive's search: 「大橋」 finds 大桥); an empty query matches everything."""
    needle = fold(query.strip()) if query and query.strip() else ""
    return not needle or any(needle in fold(text) for text in texts if text)


# --------------------------------------------------------------------------- answers for readers
TraditionalVariant = Literal["tw", "tw-phrases", "hk", "generic"]
MAX_SPELLING_RUN = 200  # characters of a question searched for spellings to keep
# tw: Taiwan characters (為, 著陸, 裡); tw-phrases: and Taiwan words (軟件 → 軟體; it also rewrites
# wording and names: 張頌文本人 → 張頌文字人, 創建 → 建立); hk: Hong Kong forms; generic: s2t (爲, 着, 裏).
_VARIANT_CONFIG = {"tw": "s2tw", "tw-phrases": "s2twp", "hk": "s2hk", "generic": "s2t"}
_VARIANT_BACK = {"tw": "tw2s", "tw-phrases": "tw2sp", "hk": "hk2s", "generic": "t2s"}  # the way back, to line answer and question up

# Characters OpenCC turns into another character where, in a person's name, they stay
# (岳 not 嶽, 余 not 餘, 游 not 遊…) or take the surname's form (钟 → 鍾, not 鐘).
NAME_FORMS = {
    "岳": "岳", "余": "余", "游": "游", "干": "干", "范": "范", "于": "于", "郁": "郁", "谷": "谷",
    "姜": "姜", "朴": "朴", "卜": "卜", "沈": "沈", "钟": "鍾", "冲": "沖", "丑": "丑", "松": "松",
    "杰": "傑", "才": "才", "斗": "斗", "佘": "佘", "闫": "閆", "万": "萬", "叶": "葉", "台": "台",
}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤岳游干郁谷朴卜佘常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岑翟殷詹申欧耿关兰焦俞左柳甘祝包"
    "宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谈宫"
)
_ROLES = (
    "记者|通讯员|编辑|主持人|书记|省长|市长|区长|县长|镇长|村长|主任|主席|局长|厅长|院长|校长|所长|部长|总裁|总经理|"
    "董事长|经理|教练|导演|演员|歌手|作家|选手|队长|委员|代表|专家|教授|博士|老师|医生|警官|负责人|创始人|"
    "发言人|首席执行官|CEO"
)
_SAYS = (
    "表示|说|称|介绍|指出|认为|透露|告诉|强调|坦言|回应|主持|出席|会见|先生|女士|教授|博士|同志|报道|摄|"
    "介紹|說|稱|認為|告訴|強調|回應|會見"
)
_SURNAME = f"[{_SURNAMES}]"
_NAME_BEFORE_VERB = re.compile(rf"({_SURNAME}[\u4e00-\u9fff]{{1,2}}?)(?:{_SAYS})")
_NAME_AFTER_ROLE = re.compile(rf"(?:{_ROLES})\s?({_SURNAME}[\u4e00-\u9fff]{{1,2}})(?=[\s，,。、：:（(]|{_SAYS})")


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` (Simplified) names a person: a surname and one or two characters after a
    role (「总裁陈忠岳」) or before a speech verb (「余华说」). Only spans holding a character
    that OpenCC would change against the name are returned."""
    spans = [m.span(1) for pattern in (_NAME_AFTER_ROLE, _NAME_BEFORE_VERB) for m in pattern.finditer(text)]
    return sorted({(s, e) for s, e in spans if any(c in NAME_FORMS for c in text[s:e])})


def _traditional_name(name: str, config: str) -> str:
    converted = _converter(config).convert(name)
    if len(converted) != len(name):
        return "".join(NAME_FORMS.get(c) or _converter(config).convert(c) for c in name)
    return "".join(NAME_FORMS.get(c, t) for c, t in zip(name, converted))


def _keep_question_spellings(answer: str, question: str, variant: TraditionalVariant) -> str:
    """Spellings the question used (陳忠岳, 軟件) replace the converter's spelling of the same
    words in the answer (陳忠嶽, 軟體): for the question's 2-4 character pieces that the
    converter would spell otherwise."""
    back, forth = _converter(_VARIANT_BACK[variant]), _converter(_VARIANT_CONFIG[variant])
    folded_answer = back.convert(answer)
    if len(folded_answer) != len(answer):  # a phrase changed length: positions no longer line up
        return answer
    chars = list(answer)
    for run in re.findall(r"[\u3400-\u9fff]{2,}", question[:MAX_SPELLING_RUN]):
        folded_run = back.convert(run)
        if len(folded_run) != len(run):
            continue
        for size in (4, 3, 2):
            for i in range(len(run) - size + 1):
                piece, folded = run[i : i + size], folded_run[i : i + size]
                if forth.convert(folded) == piece:
                    continue  # the converter spells it the question's way anyway
                at = folded_answer.find(folded)
                while at >= 0:
                    chars[at : at + size] = piece
                    at = folded_answer.find(folded, at + size)
    return "".join(chars)


def to_reader_script(text: str, script: Script, *, variant: TraditionalVariant = "tw", question: str = "") -> str:
    """``text`` (a quote from an article) as a reader of ``script`` writes it.

    Simplified: OpenCC t2s. Traditional: text already in Traditional is left as written
    (a Taiwanese source is quoted, not re-converted); Simplified text is converted with
    ``variant`` (``tw``: Taiwan characters, ``tw-phrases``: and words, ``hk``, ``generic``), with people's
    names kept as names are written (「总裁陈忠岳称」 → 「總裁陳忠岳稱」, not 陳忠嶽), and
    terms the ``question`` wrote in Traditional spelled as it wrote them.

    >>> to_reader_script("为了着陆，总裁陈忠岳称软件里有信息", "hant")
    '為了著陸，總裁陳忠岳稱軟件裡有信息'
    >>> to_reader_script("为了着陆，总裁陈忠岳称软件里有信息", "hant", variant="tw-phrases")
    '為了著陸，總裁陳忠岳稱軟體裡有資訊'
    """
    if script == "hans":
        return to_simplified(text)
    if script != "hant":
        raise ValueError(f"unknown script {script!r}; use 'hans' or 'hant'")
    if detect_script(text, default="hans") == "hant":  # a Traditional source: quoted as written
        return text
    config = _VARIANT_CONFIG[variant]
    parts, at = [], 0
    for start, end in _name_spans(text):
        parts.append(_converter(config).convert(text[at:start]))
        parts.append(_traditional_name(text[start:end], config))
        at = end
    parts.append(_converter(config).convert(text[at:]))
    converted = "".join(parts)
    return _keep_question_spellings(converted, question, variant) if question and detect_script(question) == "hant" else converted
