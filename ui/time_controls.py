"""The chat's 「時間範圍」 control: which articles a question may use, and which day is "today".

Three optional dates, each ``YYYY-MM-DD`` (``2023/1/1`` and ``2023年1月1日`` are read too):

- 從 / 到 (``since`` / ``until``): only articles dated in that range, both ends included (a
  hard filter: :class:`newsqa.timex.DateRange`; an undated article is left out);
- 今天是 (``as_of``): the day 「去年」「上週」 are read against (empty: today).

:class:`TimeFilter` parses them and says what is in effect; :class:`TimeFilterError` says
what is wrong in words for the chat (``message(script)``) and, as ``str()``, in the terms
of ``newsqa ask --since/--until/--as-of`` for API callers. :func:`build_time_controls`
lays out the collapsed accordion inside a ``gr.Blocks`` and keeps its label showing the
range in effect, so a closed control never hides an active filter.

Example::

    from newsqa.ui.time_controls import TimeFilter, TimeFilterError, build_time_controls

    when = TimeFilter.parse(since="2023-01-01", until="", as_of="2024-11-12")
    qa.ask("去年有哪些颱風？", as_of=when.as_of, within=when.within)
    when.note("hant")     # '只看 2023-01-01 起的文章；以 2024-11-12 為「今天」'

    try:
        TimeFilter.parse(since="2024-13-01")
    except TimeFilterError as exc:
        exc.message("hant")   # '「從」的 2024-13-01 沒有這一天。請在「時間範圍」改正…'
        str(exc)              # "since: no such date: '2024-13-01'"

    with gr.Blocks():
        controls = build_time_controls()   # .accordion, .since, .until, .as_of; .inputs

    preset_range("最近一週", "2024-11-12")   # ('2024-11-06', '2024-11-12'): the range buttons
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsqa.dates import CN_YMD, MAX_YEAR, MIN_YEAR
from newsqa.script import to_script
from newsqa.timex import ISO_DAY, DateRange, parse_day

TITLE = "時間範圍"

#: The fields as the control labels them (messages name them so).
FIELD_LABELS = {"since": "從", "until": "到", "as_of": "今天是"}

#: Page CSS for the control (``APP_CSS`` includes it): the help line in small print.
TIME_CSS = """
#nqa-time .nqa-time-help p { margin: 0; font-size: var(--text-sm); color: var(--nqa-muted, #55555d); }
"""

_CN_DAY = re.compile(CN_YMD)
_SEP_DAY = re.compile(r"(\d{4})\s*[/.]\s*(\d{1,2})\s*[/.]\s*(\d{1,2})")
_SHOWN_CHARS = 24  # of a bad value quoted back

_FIX = "請在「時間範圍」改成 YYYY-MM-DD（例如 2023-01-01；不限就留空）再按送出，問題已保留。"
_ORDER_FIX = "請對調或改正這兩個日期再按送出，問題已保留。"
#: What to do, where the dates are typed: the chat's 時間範圍, or the archive's 從/到.
_FIXES = {
    "chat": (_FIX, _ORDER_FIX),
    "archive": ("請改成 YYYY-MM-DD（例如 2023-01-01；不限就留空）。", "請對調或改正這兩個日期。"),
}
_MESSAGES = {
    "format": "「{field}」的「{value}」不是日期。",
    "no_such_day": "「{field}」的 {value} 沒有這一天。",
    "year": f"「{{field}}」的 {{value}} 超出範圍：年份要在 {MIN_YEAR} 到 {MAX_YEAR} 之間。",
    "order": "「從」{since} 比「到」{until} 還晚：",
}


class TimeFilterError(ValueError):
    """A date of the time control that cannot be used.

    ``kind``: "format", "no_such_day", "year" or "order"; ``field``: "since", "until" or
    "as_of" ("since" for "order"). ``str()`` is for API callers (field and the core's
    reason, in English like the CLI); :meth:`message` is for the chat.
    """

    def __init__(self, kind: str, field: str, value: str, reason: str, *, until: str = ""):
        self.kind, self.field, self.value, self.until = kind, field, value, until
        super().__init__(f"{field}: {reason}")

    def message(self, script: str = "hant", where: str = "chat") -> str:
        """What is wrong and what to do, in ``script`` ("hant" or "hans"), for dates typed in
        ``where``: "chat" (the 時間範圍 control) or "archive" (the archive's 從/到)."""
        shown = self.value if len(self.value) <= _SHOWN_CHARS else self.value[:_SHOWN_CHARS] + "…"
        fix, order_fix = _FIXES[where]
        text = _MESSAGES[self.kind].format(
            field=FIELD_LABELS.get(self.field, self.field), value=shown, since=self.value, until=self.until
        ) + (order_fix if self.kind == "order" else fix)
        return to_script(text, "hans") if script == "hans" else text


def _read_day(field: str, value: str | dt.date | None) -> dt.date | None:
    """``value`` as a date (None when empty); :class:`TimeFilterError` naming ``field`` otherwise."""
    if value is None or isinstance(value, dt.date):
        return value
    raw = str(value).strip()
    text = unicodedata.normalize("NFKC", raw).strip()  # full-width ２０２３－０１－０１ too
    if not text:
        return None
    found = _CN_DAY.fullmatch(text) or _SEP_DAY.fullmatch(text)
    if found:
        text = "-".join(found.groups())
    try:
        return parse_day(text)
    except ValueError as exc:
        shape = ISO_DAY.fullmatch(text)
        if shape is None:
            kind = "format"
        else:
            try:
                dt.date(*map(int, shape.groups()))
                kind = "year"
            except ValueError:
                kind = "no_such_day"
        raise TimeFilterError(kind, field, raw, str(exc)) from None


@dataclass(frozen=True)
class TimeFilter:
    """What the time control asks for; every field may be None (then nothing is limited)."""

    since: dt.date | None = None
    until: dt.date | None = None
    as_of: dt.date | None = None

    @classmethod
    def parse(
        cls,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        as_of: str | dt.date | None = None,
    ) -> TimeFilter:
        """From the control's texts (empty or None: not set); :class:`TimeFilterError` otherwise."""
        start, end = _read_day("since", since), _read_day("until", until)
        day = _read_day("as_of", as_of)
        if start is not None and end is not None and start > end:
            reason = f"the range ends before it starts: {start} > {end}"
            raise TimeFilterError("order", "since", start.isoformat(), reason, until=end.isoformat())
        return cls(start, end, day)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TimeFilter:
        """The inverse of :meth:`to_dict` (``{}`` or None: no filter)."""
        data = data or {}
        return cls(*(dt.date.fromisoformat(data[k]) if data.get(k) else None for k in ("since", "until", "as_of")))

    @property
    def within(self) -> DateRange | None:
        """The hard date filter for ``NewsQA.ask(within=...)``; None when neither end is set."""
        return DateRange(self.since, self.until) if self.since or self.until else None

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.as_of)

    def to_dict(self) -> dict[str, str]:
        """The set fields as ISO dates (what a chat turn keeps)."""
        return {k: v.isoformat() for k, v in (("since", self.since), ("until", self.until), ("as_of", self.as_of)) if v}

    def range_text(self) -> str:
        """「2023-01-01 至 2023-12-31」, 「2023-01-01 起」, 「到 2023-12-31 為止」, or ""."""
        if self.since and self.until:
            return f"{self.since} 至 {self.until}"
        if self.since:
            return f"{self.since} 起"
        if self.until:
            return f"到 {self.until} 為止"
        return ""

    def note(self, script: str = "hant") -> str:
        """The line shown above an answer given under this filter ("" when none), in ``script``."""
        parts = []
        if self.since and self.until:
            parts.append(f"只看 {self.since} 至 {self.until} 的文章")
        elif self.since:
            parts.append(f"只看 {self.since} 起的文章")
        elif self.until:
            parts.append(f"只看到 {self.until} 為止的文章")
        if self.as_of:
            parts.append(f"以 {self.as_of} 為「今天」")
        text = "；".join(parts)
        return to_script(text, "hans") if script == "hans" and text else text

    def label(self) -> str:
        """The accordion's label: 「時間範圍」, or with what is in effect."""
        parts = [self.range_text()] if self.since or self.until else []
        if self.as_of:
            parts.append(f"今天是 {self.as_of}")
        return f"{TITLE}：{'；'.join(parts)}" if parts else TITLE


def label_for(since: str | None, until: str | None, as_of: str | None) -> str:
    """The accordion's label for the control's current texts (「時間範圍：日期有誤」 if one is bad)."""
    try:
        return TimeFilter.parse(since, until, as_of).label()
    except TimeFilterError:
        return f"{TITLE}：日期有誤"


#: The range buttons: days back from 「今天是」 (else today); None clears the range.
PRESETS: dict[str, int | None] = {"最近一週": 7, "最近一個月": 30, "最近一年": 365, "全部": None}


def preset_range(preset: str, as_of: str | None = None, today: dt.date | None = None) -> tuple[str, str]:
    """(從, 到) for a range button: the last 7/30/365 days up to 「今天是」 (else ``today``,
    else the real today), both ends included; ("", "") for 全部 or an unknown button. An
    unreadable 「今天是」 counts from today (the box itself says what is wrong on asking)."""
    days = PRESETS.get(preset)
    if days is None:
        return "", ""
    try:
        end = _read_day("as_of", as_of) or today or dt.date.today()
    except TimeFilterError:
        end = today or dt.date.today()
    return (end - dt.timedelta(days=days - 1)).isoformat(), end.isoformat()


@dataclass
class TimeControls:
    """The components :func:`build_time_controls` made; ``inputs`` in the order
    :meth:`TimeFilter.parse` takes them (since, until, as_of)."""

    accordion: Any
    since: Any
    until: Any
    as_of: Any

    @property
    def inputs(self) -> list[Any]:
        return [self.since, self.until, self.as_of]


def build_time_controls() -> TimeControls:
    """The collapsed 「時間範圍」 accordion (elem_id ``nqa-time``; its boxes ``nqa-since``,
    ``nqa-until``, ``nqa-as-of``), laid out where it is called inside a ``gr.Blocks``.
    Leaving a box (or Enter in it) updates the label to show what is in effect."""
    import gradio as gr

    with gr.Accordion(TITLE, open=False, elem_id="nqa-time") as accordion:
        with gr.Row(equal_height=True):
            since = gr.Textbox(label="從", placeholder="YYYY-MM-DD", max_lines=1, min_width=130, elem_id="nqa-since")
            until = gr.Textbox(label="到", placeholder="YYYY-MM-DD", max_lines=1, min_width=130, elem_id="nqa-until")
            as_of = gr.Textbox(label="今天是", placeholder="空白＝今天", max_lines=1, min_width=130, elem_id="nqa-as-of")
        with gr.Row(elem_id="nqa-time-presets"):
            presets = [gr.Button(name, size="sm", min_width=80, elem_classes=["nqa-preset"]) for name in PRESETS]
        gr.Markdown(
            "只用這段期間（含頭尾）的文章；「去年」「上週」以「今天是」那天來算。不限就留空。",
            elem_classes=["nqa-time-help"],
        )
    controls = TimeControls(accordion, since, until, as_of)
    relabel = lambda *texts: gr.Accordion(label=label_for(*texts))  # noqa: E731
    for box in controls.inputs:
        # .change too: a range button sets 從/到, and the label must end up showing them even
        # when the blur of the box left for the button relabels with the old range after it
        gr.on([box.blur, box.submit, box.change], relabel, controls.inputs, accordion,
              api_visibility="private", queue=False, show_progress="hidden")
    for button, name in zip(presets, PRESETS):
        def choose(as_of_text: str, name: str = name) -> tuple[str, str, Any]:
            since_text, until_text = preset_range(name, as_of_text)
            return since_text, until_text, gr.Accordion(label=label_for(since_text, until_text, as_of_text))

        button.click(choose, [as_of], [since, until, accordion], api_visibility="private", queue=False,
                     show_progress="hidden")
    return controls
