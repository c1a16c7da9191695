"""Pieces of scraped news files: headers, 原标题 headlines, outlets, bylines, datelines,
photo credits and site trailers (the CRUD news layout 「2023-07-29 06:53:40，正文：…」 and
its variants). ``ingest.parsers.ArticleParser`` puts them together; each function here reads
one piece and says where it ends, so the article's text stays a slice of the file.

Example::

    header_outlet("2023-08-01 09:16  来源：  成都日报  ")      # '成都日报'
    text = "近日，第5号台风在福建登陆。董腾飞/摄 当地居民"
    credit_spans(text, 0, len(text))                          # [(14, 19)]: 「董腾飞/摄」
"""

from __future__ import annotations

import re

from newsqa.dates import PartialDate

MIN_TITLE = 5  # a 原标题 shorter than this is not cut off from the lead


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end



# ---------------------------------------------------------------------------- scraped news: pieces

_CJK = "\u3400-\u9fff\uf900-\ufaff"
ORIGINAL_TITLE = re.compile(r"(?:原标题|原標題)\s*[：:]\s*")
_NOTED_ORIGINAL = re.compile(r"(?:原标题|原標題)\s*[：:]?\s*《([^》\n]{4,80})》")
SOURCE_TOP = re.compile(r"(?:来源|來源)\s*[：:]\s*")
_HEADER_SOURCE = re.compile(r"(?:来源|來源|稿源)\s*[：:]\s*([^|｜，,\n]+)")
# What an outlet's name ends with (one or more: 北京日报客户端, 扬子晚报网, 参考消息网).
_OUTLET_END = r"(?:客户端|客戶端|App|APP|新闻网|新聞網|新闻|新聞|日报|日報|晚报|晚報|时报|時報|社区报|消息网|之家|频道|頻道|财经|財經|科技|娱乐|娛樂|网|網|报|報|社)"
_OUTLET_TAIL = re.compile(rf"{_OUTLET_END}+$")
_OUTLET_ANY = re.compile(_OUTLET_END)
_ROLE = r"(?:全媒体|全媒體|首席|特约|特約|高级|高級|资深|資深)?(?:见习|見習|实习|實習)?(?:记者|記者|通讯员|通訊員|评论员|評論員)"
_BYLINE_KEY = re.compile(rf"[|｜]?\s*{_ROLE}")
_WIRE = r"(?:电|電|讯|訊|消息|报道|報[導道]|综合|綜合)"
_DATELINE_SIG = re.compile(
    rf"(?:(\d{{4}})\s*年\s*)?(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日\s*(?:{_WIRE}|[{_CJK}]{{2,3}}(?:讯|訊|电|電)(?![员員话話视視脑腦网網线線力量池器子梯影]))"
)  # 「中新网兰州7月31日电」, 「2023年8月11日苏州讯」 (not 「打来电话」)
_NOT_XUN = r"(?<![资資通快简簡喜死视視电電传傳审審问問短音腾騰])"  # 资讯, 通讯员, 快讯, 腾讯… are no 「…讯」 dateline
_XUN_SIG = re.compile(rf"{_NOT_XUN}(?:讯|訊)(?![员員])(?=\s|[（(：:]|记者|記者)")
_LEARNT_SIG = re.compile(r"(?:获悉|獲悉)[，,]")  # 「智通财经APP获悉，」
_LOCAL_PAPER = re.compile(rf"本[报報][{_CJK}]{{0,6}}$")
# how a lead starts: 「8月16日，」 「15日上午，」 「今天（8月3日）」 「近日，」 「据美联社报道，」 「截至2023年…」
_LEAD_SIG = re.compile(
    r"(?<![\d年月至到~～－、])(?:(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*)?\d{1,2}\s*日(?:[上中下]午|晚间?|早上?|早晨|凌晨|傍晚|夜间?|清晨|深夜|"
    r"\d{1,2}\s*[时時:：点點](?:\s*\d{1,2}\s*分?)?)*\s*[，,]"
    r"|(?:今天|昨天|今日|昨日)\s*[（(]\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]"
    r"|(?:近日|日前|近期|目前|此前|日内|日內)\s*[，,]|近年[来來]|今年以[来來]|[据據]了解|[据據]悉|截[至止]\s*\d"
    r"|(?:当地时间|當地時間)(?:\s*\d{4}\s*年)?(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?(?:[上中下]午|晚间?|凌晨|早上?|傍晚)?\s*[，,]?"
    r"|[综綜]合(?:[^，。\s]{0,8})?(?:报道|報[導道])\s*[，,]"
    r"|[记記]者(?:\d{1,2}日)?(?:[从從]|近日|了解到|[获獲]悉|走[访訪]|[调調]查)"
    r"|[为為爲](?:[进進]一步|深入|切[实實]|加强|积极|積極|做好|丰富|豐富|提升|提高|[营營]造|推[动動]|[贯貫]彻|[贯貫]徹|激[发發]|守[护護])"
    r"|[据據][^，。！？\s]{2,20}?(?:报道|報[導道]|消息|获悉|獲悉|公布|显示|顯示|介绍|介紹|统计|統計|表示)"
)
_CAPTION_SIG = re.compile(r"图为|圖為|图片来源|圖片來源|[（(]图|[（(]圖|图源|圖源")
_OTHER_SIG = re.compile(r"【|(?:来源|來源)\s*[：:]|(?:原标题|原標題)\s*[：:]|本[报報](?:讯|訊|综合|綜合)")
_PAREN = re.compile(r"\s*[（(][^）)\n]{0,40}[）)]")


def skip_space(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos].isspace():
        pos += 1
    return pos


def header_outlet(head: str) -> str | None:
    """The outlet the header's 「来源：」 names (its first word: 「 成都日报 」, 「浙江日报 | …」)."""
    m = _HEADER_SOURCE.search(head)
    if not m:
        return None
    words = m.group(1).split()
    return words[0] if words and len(words[0]) <= 30 else None


def outlet_run(text: str, start: int, limit: int) -> tuple[str | None, int]:
    """An outlet written right after 「来源：」 at the top of a body, and where it ends.

    It runs to a space, digit or punctuation; 「人民网－湖北频道盛夏时节」 ends after 频道,
    a longer run (or one running into a 《…》 caption) at its last outlet ending (网/报/新闻…)
    within 12 characters.
    """
    m = re.compile(r"[^\s，。：:；;！？!?|｜（(【“\"《\d０-９]{1,20}").match(text, start, limit)
    if not m:
        return None, start
    run = m.group()
    channel = run.find("频道") if "频道" in run else run.find("頻道")
    ends = [e.end() for e in _OUTLET_ANY.finditer(run[:12])]
    if channel >= 0:
        run = run[: channel + 2]
    elif len(run) > 8 or (text[m.end() : m.end() + 1] == "《" and ends):
        # a long run, or one running into a caption (「新浪娱乐电影《志愿军》海报」): its last outlet ending
        run = run[: ends[-1]] if ends else run[:8]
    return run, start + len(run)


def _boundary_start(s: str, core_end: int, core: int = 2) -> int:
    """Where an outlet whose fixed ending starts at ``core_end`` begins: ``core`` characters
    before it (most outlets: two, 北京|日报, 极目|新闻), not across punctuation or spaces."""
    start = max(0, core_end - core)
    for i in range(core_end - 1, start - 1, -1):
        if not s[i].isalnum():
            return i + 1
    return start


def _outlet_start(s: str, end: int) -> int | None:
    """The start of an outlet (and place) written just before ``end`` (a byline's 记者, a
    dateline's date, a 讯): 「…募捐北京日报客户端 | 」, 「…公司扬子晚报网」, 「…童心中新网新疆新源」."""
    before = s[:end].rstrip(" \t|｜")
    before = _PAREN.sub("", before) if before.endswith(("）", ")")) else before
    local = _LOCAL_PAPER.search(before)
    if local:
        return local.start()
    tail = _OUTLET_TAIL.search(before)
    if tail:
        return _boundary_start(before, tail.start())
    ends = [m for m in _OUTLET_ANY.finditer(before) if len(before) - m.end() <= 8]
    if ends:  # an outlet, then a place: 中新网|兰州
        last = ends[-1]
        first_of_chain = last
        for m in reversed(ends[:-1]):
            if m.end() == first_of_chain.start():
                first_of_chain = m
        if re.fullmatch(rf"[{_CJK}]*", before[last.end() :]):
            return _boundary_start(before, first_of_chain.start())
    return None


def headline_end(text: str, start: int, limit: int, noted: str | None) -> tuple[int, int, bool]:
    """Where a 「原标题：」 headline glued to the lead ends, and where the body starts.

    The earliest of: a run of spaces; the headline repeated (the page's own heading, skipped);
    another 原标题; a byline or dateline (from its outlet: 「北京日报客户端 | 记者」,
    「参考消息网7月25日报道」, 「南都讯」); 【; 来源：; a photo caption (图为…); how a lead starts
    (「8月16日，」, 「近日，」, 「据…报道」); a 。 (then the headline ends at the clause before
    it). A 「（原标题《…》）」 note at the end of the article settles it when it matches.
    The third value says whether the body then starts at an outlet's name guessed inside a
    run of characters (「…募捐北京日报客户端」): its start is a guess, so it names no outlet.
    """
    s = text[start : min(limit, start + 160)]
    if noted and s.startswith(noted):
        return start + len(noted), start + len(noted), False
    found: list[tuple[int, int]] = []
    guessed: set[int] = set()  # cuts at an outlet's start guessed inside a run of characters
    spaces = re.search(r"[ \t\u3000\xa0]{2,}|\n", s)
    if spaces:
        found.append((spaces.start(), spaces.end()))
    for k in range(MIN_TITLE, min(len(s) - MIN_TITLE, 80) + 1):  # the headline, or its first words, again
        if s[k : k + MIN_TITLE] == s[:MIN_TITLE]:
            found.append((k, 2 * k) if s[k : 2 * k] == s[:k] else (k, k))
            break
    for pattern in (_OTHER_SIG, _CAPTION_SIG, _LEAD_SIG):
        for m in pattern.finditer(s, MIN_TITLE):
            found.append((m.start(), m.start()))
            break
    arrow = s.find("→", MIN_TITLE)  # 「…公益活动→暑期来临…」
    if arrow >= 0:
        found.append((arrow + 1, arrow + 1))
    for m in _BYLINE_KEY.finditer(s, MIN_TITLE):
        at = _outlet_start(s, m.start())
        if at is None and re.match(rf"\s+[{_CJK}]{{2}}", s[m.end() :]):
            at = m.start()  # 「…抓获5人记者 张国桐」
        elif at is None and re.match(rf"\s*[：:｜|]\s*[{_CJK}]{{2}}", s[m.end() :]):
            at = _boundary_start(s, m.start())  # 「…繁忙每经记者：王帆」: an outlet of two characters at least
        if at is not None and at >= MIN_TITLE:
            found.append((at, at))
            if at < m.start() and s[at - 1].isalnum():
                guessed.add(at)
            break
    for pattern in (_DATELINE_SIG, _XUN_SIG, _LEARNT_SIG):
        for m in pattern.finditer(s, MIN_TITLE):
            at = _outlet_start(s, m.start())
            if at is None:  # no outlet ending: a dateline starts at its date, 「南都讯」 two characters before
                at = m.start() if pattern is _DATELINE_SIG else _boundary_start(s, m.start())
            if at is not None and at >= MIN_TITLE:
                at -= s[at - 1] in "据據"
                found.append((at, at))
                if at < m.start() and s[at - 1].isalnum():
                    guessed.add(at)
                break
    stop = s.find("。")
    if stop >= MIN_TITLE and all(f[0] > stop for f in found):
        # nothing else before a 。, and a headline holds none: it ends within that sentence
        cut = _clause_end(s, stop)
        found.append((cut, cut))
    found = [f for f in found if f[0] <= 90]
    if not found:  # nothing says where it ends
        cut = _clause_end(s, min(len(s), 60))
        found.append((cut, cut))
    end, body = min(found)
    return start + end, start + body, end in guessed


def _clause_end(s: str, stop: int) -> int:
    """Where a headline run into its lead sentence (which ends at ``stop``) most likely ends:
    after its first 「！」/「？」 (from the 10th character on: 「帮他人“翻墙”，男子朱某某被刑拘！」),
    else at its first 「，」, else at ``stop``; never inside quotation marks."""
    def quoted(i: int) -> bool:
        return s.count("“", 0, i) > s.count("”", 0, i)

    marks = [i + 1 for i in range(9, stop) if s[i] in "！？!?" and not quoted(i)]
    if marks:
        return marks[0]
    commas = [i for i in range(MIN_TITLE, stop) if s[i] == "，" and not quoted(i)]
    return commas[0] if commas else stop


def clean_title(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip(" ，,：:、；;|｜")
    return title


def noted_original_title(text: str, start: int, limit: int) -> str | None:
    """「（原标题《…》）」 near the end of the article (some outlets note the headline there)."""
    tail_start = max(start, limit - 400)
    notes = list(_NOTED_ORIGINAL.finditer(text, tail_start, limit))
    return notes[-1].group(1).strip() if notes else None


_LEAD_PREFIXES = (
    # 中新网兰州7月31日电 (戴文昌) / IT之家 7 月 31 日消息， / 深圳新闻网2023年7月27日讯 （记者 曹园芳）
    re.compile(rf"[据據]?[^\s，。：:（(【】]{{0,16}}?\s*{_DATELINE_SIG.pattern}(?:{_PAREN.pattern})?\s*[：:，,]?"),
    # 新京报讯（记者徐美慧） / 荆楚网（湖北日报网）讯（通讯员 刘自航） / 中国天气网讯
    re.compile(rf"[^\s，。：:（(【】]{{2,16}}?(?:{_PAREN.pattern})?\s*{_NOT_XUN}(?:讯|訊)(?=\s|\d|[（(：:，,【]|[记記]者|$)"
               rf"(?:{_PAREN.pattern})?\s*[：:，,]?"),
    # 据新华社电 / 據新華社電 / 新华社电 (an outlet's wire without a date)
    re.compile(rf"[据據][^\s，。]{{2,10}}?(?:电|電)(?:{_PAREN.pattern})?\s*"
               rf"|[^\s，。：:（(【】]{{1,10}}?(?:社|网|網)(?:电|電)(?![视視话話网網力量线線脑腦子梯影器池])(?:{_PAREN.pattern})?\s*"),
    # 央视网消息： / 路透社14日消息， (not 「这一消息，」, 「好消息，」)
    re.compile(r"(?![这這该該此那])[^\s，。：:]{2,12}?(?<![一条條则則个個好坏壞])消息\s*[：:，,]\s*"),
    re.compile(r"【[^】\n]{0,40}】\s*"),  # 【环球网报道 见习记者 赵博元】
    re.compile(rf"[（(][^）)\n]{{0,40}}(?:{_ROLE}|作者)[^）)\n]{{0,40}}[）)]\s*"),  # （深圳商报记者 涂竞玉）
    # 封面新闻记者 刘恪生 / 极目新闻记者 陈勇 / 作者：学而时习工作室 — a name clearly ended
    re.compile(
        rf"[^\s，。：:（(【】]{{0,14}}?(?:{_ROLE}|作者)\s*[：:｜|]?\s*[{_CJK}·]{{2,4}}(?:\s+[{_CJK}·]{{2,4}})*?"
        rf"(?:\s*(?:文\s*/\s*[图圖](?:\s*/\s*(?:视频|視頻))?|摄影报道|攝影報[導道]|摄|攝)|\s*(?:[{_CJK}]{{2,4}}?)?(?:报道|報[導道])"
        rf"|(?=\s|\d|{_ROLE}|实习生|實習生|$))\s*"
    ),
)
_BYLINE_AT_TOP = re.compile(rf"[^，。]{{0,30}}?(?:{_ROLE}|作者)")


_SAYS_NEXT = ("称", "稱", "说", "說", "指出", "显示", "顯示", "表示", "透露", "介绍", "介紹")


def _past_leads(s: str, pos: int) -> int:
    """Past the datelines, bylines and credits at ``s[pos:]`` (up to six of them)."""
    for _ in range(6):
        pos = skip_space(s, pos, len(s))
        credit = credit_at(s, pos, len(s))
        if credit:
            pos = credit[1]
            continue
        for prefix in _LEAD_PREFIXES:
            m = prefix.match(s, pos)
            if m and m.end() > pos:
                pos = m.end()
                break
        else:
            break
    return pos


def lead_end(text: str, pos: int = 0, limit: int | None = None) -> int:
    """Where the datelines, bylines, source leads and photo credits that open ``text[pos:limit]``
    end, with the punctuation after them; ``pos`` when there are none. In both scripts:
    「IT之家 7 月 31 日消息，」, 「封面新闻记者 张三 ，」, 「人民網北京8月10日電(記者杜燕飛)」,
    「中新社拉萨8月16日电 (拉巴卓玛 邢一)」, 「（深圳商报记者 涂竞玉）」, 「據新華社電 」.
    A lead that the sentence goes on from (「美联社8月5日报道称，」) is not cut off.

    >>> text = "IT之家 7 月 31 日消息，吉利汽车今日发布大模型。"
    >>> text[lead_end(text):]
    '吉利汽车今日发布大模型。'
    """
    s = text[: len(text) if limit is None else limit]
    end = _past_leads(s, pos)
    if end == pos or s.startswith(_SAYS_NEXT, end):
        return pos
    while end < len(s) and (s[end].isspace() or s[end] in "，,：:、"):
        end += 1
    return end


def lead_title(body: str, limit: int = 30) -> str:
    """A title from the lead: its first sentence (or the part before 「近日，」, 「8月16日，」…),
    after any dateline, byline or credit; at most ``limit`` characters (then 「…」)."""
    s = body[:400]
    pos = _past_leads(s, 0)
    if _BYLINE_AT_TOP.match(s, pos):  # a byline whose names run into the lead: start after its clause
        comma = re.search(r"[，,。]|\s{2,}", s[pos:])
        pos = pos + comma.end() if comma else pos
    lead = s[pos:].lstrip(" \t\u3000■●◆▲★※·•×")
    for _ in range(2):  # 「近日，」 「8月15日，」 「据…消息，」 open the lead; the title starts after them
        opening = _LEAD_SIG.match(lead)
        rest = lead[opening.end() :].lstrip("，,：: ") if opening else ""
        closed = opening and (lead[opening.end() - 1] in "，,：:" or lead[opening.end() : opening.end() + 1] in ("，", ",", "：", ":"))
        if closed and len(rest) >= MIN_TITLE:
            lead = rest
    lead = lead.split("\n", 1)[0]
    cuts = [m.start() for m in re.finditer(r"[。！？!?]|\s{2,}", lead) if m.start() >= (2 if m.group() == "。" else MIN_TITLE)][:1]
    for pattern in (_LEAD_SIG, _CAPTION_SIG):
        m = pattern.search(lead, MIN_TITLE + 1)
        if m:
            cuts.append(m.start())
    title = lead[: min(cuts)] if cuts and min(cuts) > 0 else lead
    title = clean_title(title)
    return title[:limit] + ("…" if len(title) > limit else "")


def top_outlet_and_dateline(top: str) -> tuple[str | None, PartialDate | None]:
    """The outlet and the date a byline or dateline at the top of a body states.

    「中新网兰州7月31日电」 → (中新网, --07-31); 「深圳新闻网2023年7月27日讯」 → (深圳新闻网,
    2023-07-27); 「新京报讯（记者…）」, 「央视网消息：」, 「封面新闻记者 刘恪生」, 「（深圳商报记者
    涂竞玉）」, 「【环球网报道】」 → the outlet. 「本报…」 and 「据…」 name no outlet of the article.
    A dateline may follow a photo caption (after 。 or spaces) within the first 100 characters.
    """
    outlet = date = None
    starts = [0] + [m.end() for m in re.finditer(r"\s{2,}|。", top[:100])]
    for at in starts:
        m = re.compile(rf"([^\s，。：:（(【】“”\"]{{2,20}}?)\s*{_DATELINE_SIG.pattern}").match(top, at)
        if m and not m.group(1).startswith(("据", "據")):
            try:
                date = PartialDate(int(m.group(3)), int(m.group(4)), int(m.group(2)) if m.group(2) else None)
            except ValueError:
                date = None
            named = re.sub(rf"{_ROLE}.*$", "", m.group(1))
            cut = _outlet_start(named + "。", len(named))  # outlet + place: keep the outlet
            if cut is not None:
                ends = [e for e in _OUTLET_ANY.finditer(named) if len(named) - e.end() <= 8]
                tail = _OUTLET_TAIL.search(named)
                end = tail.end() if tail else ends[-1].end() if ends else len(named)
                outlet = named[:end]
            break
    m = re.match(rf"[（(【]?\s*([^\s，。：:（(【】]{{2,16}}?)(?:{_PAREN.pattern})?\s*(?:{_NOT_XUN}(?:讯|訊)(?![员員])|消息\s*[：:\s])", top)
    if outlet is None and m and _OUTLET_TAIL.search(m.group(1)):
        outlet = m.group(1)
    m = re.match(rf"[（(【]?\s*([^\s，。：:（(【】|｜]{{2,16}}?)\s*[|｜]?\s*{_ROLE}", top)
    if outlet is None and m:
        named = re.sub(r"(?:全媒体|全媒體|首席|特约|特約|高级|高級|资深|資深)$", "", m.group(1))
        outlet = named if _OUTLET_TAIL.search(named) else None
    m = re.match(r"【([^】\s]{2,12}?)(?:综合|綜合)?(?:报道|報[導道]|消息)", top)
    if outlet is None and m:
        outlet = m.group(1)
    if outlet and (outlet.startswith(("本报", "本報", "据", "據")) or len(outlet) < 2):
        outlet = None
    return outlet, date


_AUTHOR = re.compile(
    rf"(?:记者|記者|作者|撰文)\s*[：:｜|]?\s*((?:[{_CJK}·]{{2,4}})(?:[ 、](?:[{_CJK}·]{{2,4}}))*)"
    rf"(?=\s|[）)】、]|\d|{_ROLE}|实习生|實習生|摄影|攝影|报道|報[導道]|$)"
)


_NOT_NAMES = ("摄影", "攝影", "报道", "報導", "報道", "了解", "获悉", "獲悉", "走访", "調查", "调查", "采访", "採訪")


def byline_author(top: str) -> str | None:
    """The reporter(s) a byline at the top names, when the names are clearly delimited
    (「封面新闻记者 刘恪生7月28日晚」, 「（记者 万笑影）」; not 「记者 王琪鹏本市…」, nor a
    reporter mentioned in the lead: 「…上游新闻记者了解到」)."""
    m = _AUTHOR.search(top[:80])
    if not m or re.search(r"[，,。]", top[: m.start()]):
        return None
    names = []
    for name in re.split(r"[ 、]", m.group(1)):
        if re.fullmatch(_ROLE + r"|实习生|實習生", name):  # 「记者 吕鉴蕾 通讯员 吴迪」: the reporters only
            break
        if name and not name.startswith(_NOT_NAMES) and not name.endswith(("报道", "報導", "報道")):
            names.append(name)
    if len(names) > 1 and top[m.end() : m.end() + 2] in ("报道", "報導", "報道"):
        names.pop()  # 「记者 秦成林 枣庄报道」: a place
    return " ".join(names) or None


# ---------------------------------------------------------------------------- credits and trailers

_CREDIT_MARK = re.compile(
    r"(?:/\s*)?[摄攝](?![影像制製氏入取录錄於于])|供图|供圖"
    r"|(?:/\s*|(?<=\S[ \u3000]))[图圖](?![片表像书書形层層纸紙标標案示解为為中所上下文集库庫谱譜])"  # 「视觉中国 图」
)
_CREDIT_NAME = re.compile(
    rf"[（(]?\s*(?:[{_CJK}]{{2,12}}?(?:记者|記者|通讯员|通訊員|发|發)\s*)?[{_CJK}·]{{2,4}}(?:\s[{_CJK}·]{{2,4}})?\s*/?\s*"
)
_SUPPLIED_NAME = re.compile(rf"[（(]?\s*[{_CJK}]{{2,12}}\s*")  # 「东阳市检察院」供图
_SENTENCE_END = "。！？!?；;」”）)】\n"
_SPACES = " \t\u3000\xa0"


def credit_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Photo credits in ``text[start:end]``, in order, overlapping ones merged:

    - a name (or an outlet) standing alone before 摄/供图/图: 「董腾飞/摄」, 「张中海 摄」,
      「中新社记者 蒋启明 摄」, 「通讯员供图」, 「视觉中国 图」 (not 「拍摄」, 「摄影报道」, 「主摄」);
    - a bracket that holds a credit: 「（图源：BBC）」, 「（通讯员供图）」, 「(图/文 黄洁琼)」,
      「（视频截图）」, 「资料图（来源：第一财经）」, 「（资料图）」;
    - 「图片来源/」「圖片來源：」「图源」「图/」「图据」 and the source it names, up to where
      the name plainly ends (「图片来源/公羊救援队」为应对…, 「图源：视频截图」江苏省…);
    - 「资料图」 and a 「资料图：…。」 caption.
    """
    found = sorted(_marked_credits(text, start, end) + _bracket_credits(text, start, end)
                   + _source_credits(text, start, end))
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _marked_credits(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Credits that end in a mark (摄, 供图, 图) after a name standing alone."""
    spans: list[tuple[int, int]] = []
    for m in _CREDIT_MARK.finditer(text, start, end):
        mark = m.start()
        supplied = m.group().startswith(("供图", "供圖"))
        if not supplied and mark > start and text[mark - 1] in "拍航自偷抓跟盗盜":
            continue
        seg = mark  # back to a sentence end or a run of spaces; single spaces may sit inside a credit
        while seg > start and text[seg - 1] not in _SENTENCE_END:
            if text[seg - 1] in _SPACES and (seg - 2 < start or text[seg - 2] in _SPACES or text[seg - 2] in _SENTENCE_END):
                break
            seg -= 1
        piece = text[seg:mark]
        pattern = _SUPPLIED_NAME if supplied else _CREDIT_NAME
        while not pattern.fullmatch(piece) and len(piece.split()) > 1:  # words before it: 「运动员入场式 周雨涵/」
            piece = piece.lstrip().split(None, 1)[1]
        if not pattern.fullmatch(piece):
            continue
        seg = mark - len(piece)
        if seg > start and not (text[seg - 1] in _SENTENCE_END or text[seg - 1] in _SPACES or text[seg - 1] in "（("):
            continue
        stop = m.end()
        if text[seg : seg + 1] in ("（", "(") and text[stop : stop + 1] in ("）", ")"):
            stop += 1
        elif seg > start and text[seg - 1] in "（(" and text[stop : stop + 1] in ("）", ")"):
            seg, stop = seg - 1, stop + 1
        if spans and seg < spans[-1][1]:
            continue
        spans.append((seg, stop))
    return spans


_PICTURE = r"(?:图片来源|圖片來源|图片來源|图源|圖源|图据|圖據|[图圖](?:片|[/／]文)?\s*[：:/／]|(?:资料|資料)(?:配)?[图圖])"
_BRACKET_CREDIT = re.compile(
    rf"(?:(?:资料|資料)(?:配)?[图圖]\s*)?[（(]\s*(?:{_PICTURE}[^（）()\n]{{0,36}}"
    r"|[^（）()\n]{0,36}(?:供图|供圖|截图|截圖|配图|配圖|(?:资料|資料)[图圖]))\s*[）)]"
    r"|(?:资料|資料)(?:配)?[图圖]\s*[（(]\s*(?:来源|來源)\s*[：:][^（）()\n]{1,30}[）)]"
)
_SOURCE_MARK = re.compile(
    r"(?:图片来源|圖片來源|图片來源)\s*(?:[：:/／]|于|於|自)?|(?:图源|圖源)\s*[：:/／]?|(?:图据|圖據)"
    r"|(?:[图圖]|图片|圖片)\s*[：:/／]"
)
# what the name of a picture's source ends with: 视频截图, 受访者, 问政湖南网站, 公羊救援队, 台媒, 塔斯社报道配图
_SOURCE_END = re.compile(
    r"(?:报道|報[導道]|配图|配圖|视频截图|視頻截圖|截图|截圖|受访者提供|受訪者提供|受访者|受訪者|网站|網站|官网|官網|网络|網絡|网友|網友|提供|供图|供圖"
    rf"|中心|公司|官方|微博|警务|警務|{_OUTLET_END}|媒|队|隊|局|院|部|厅|廳|所)+"
)
_SOURCE_STOP = re.compile(r"[\t\n\r\u3000\xa0，,。：:；;！？!?（）()【】「」“”\"▲\d]|(?<![A-Za-z]) | (?![A-Za-z])")
_STANDALONE = re.compile(r"(?:资料|資料)(?:配)?[图圖](?![片表])(?:\s*[：:][^。！？\n]{1,40}[。！？])?")
MAX_SOURCE = 24  # characters a picture's source may run to when nothing says where it ends


def _bracket_credits(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Brackets that hold a credit, and a 「资料图」 right before one."""
    return [m.span() for m in _BRACKET_CREDIT.finditer(text, start, end)]


def _source_credits(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """「图片来源/…」「图源…」「图/…」 with the source they name; 「资料图」 (and its caption)."""
    spans = [m.span() for m in _STANDALONE.finditer(text, start, end)]
    for m in _SOURCE_MARK.finditer(text, start, end):
        at = m.start()
        if at > start and not (text[at - 1] in _SENTENCE_END or text[at - 1] in _SPACES or text[at - 1] in "▲×："):
            continue  # 「企图源于」, 「如下图：」: not a credit
        name = skip_space(text, m.end(), end)
        if text[name : name + 1] == "《":  # 「图源：《每日邮报》」
            close = text.find("》", name, min(end, name + 30))
            name = close + 1 if close > 0 else name
        stop = _SOURCE_STOP.search(text, name, min(end, name + MAX_SOURCE + 1))
        run_end = stop.start() if stop else min(end, name + MAX_SOURCE + 1)
        ending = _SOURCE_END.search(text, name, run_end)
        if ending:
            spans.append((at, ending.end()))
        elif stop or run_end == end:  # the run is the name: 「图片来源：常州武进公安微警务  」
            spans.append((at, run_end))
        else:  # nothing says where the name ends: only the mark
            spans.append((at, m.end()))
    return spans


def credit_at(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    """A photo credit starting right at ``pos`` (「儿童医院供图近日，…」), or None."""
    for span in credit_spans(text, pos, min(limit, pos + 40)):
        if span[0] == pos:
            return span
        break
    return None


_TRAILERS = (
    re.compile(r"返回搜狐\s*[，,]?\s*查看更多\s*$"),
    re.compile(r"更多精彩内容请进入\S{0,16}\s*$"),
    # 「本文属于原创文章，如若转载，请注明来源：<标题>https://…」 (zol.com.cn)
    re.compile(r"本文(?:属于|屬於|系|为|為|是)?原创(?:文章)?\s*[，,]\s*(?:如若|如需|如|若)?(?:转载|轉載)[^\n]{0,200}$"),
    re.compile(r"[（(【\[]\s*(?:责任编辑|責任編輯|编辑|編輯|责编|責編)\s*[：:]\s*([^）)】\]\n]{0,30})[）)】\]]\s*$"),
    re.compile(r"(?:责任编辑|責任編輯|责编|責編)\s*[：:]\s*([^\s。！？]{0,20}(?:\s+CN\d+)?)\s*$"),
)


def trim_trailers(text: str, start: int, end: int) -> tuple[int, str | None]:
    """The body's end without the site's trailers (「返回搜狐，查看更多」, 「【编辑:叶攀】」,
    「责任编辑：李园」, 「更多精彩内容请进入…」, 「本文属于原创文章，如若转载，请注明来源：…」) and
    the editor they name."""
    editor = None
    for _ in range(6):
        for pattern in _TRAILERS:
            m = pattern.search(text, start, end)
            if m:
                if m.groups() and m.group(1) and editor is None:
                    editor = m.group(1).split()[0] if m.group(1).split() else None
                end = strip_span(text, start, m.start())[1]
                break
        else:
            break
    return end, editor
