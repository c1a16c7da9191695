"""PNG charts for eval reports (matplotlib, Agg backend, no display needed).

Labels use a CJK-capable font when one is installed (Noto Sans CJK from Debian's
``fonts-noto-cjk``, or another of ``CJK_FONTS``); without one, every label is ASCII.

Example::

    hit_at_k_chart({"default": report}, Path("var/eval/drcd/hit_at_k.png"))
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK TC",
    "Source Han Sans TW", "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "AR PL UMing TW", "Droid Sans Fallback",
)
MAX_K = 10


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


# File names of CJK fonts, for when matplotlib's font cache predates their installation.
_CJK_FILE_TAGS: tuple[str, ...] = (
    "notosanscjk", "notoserifcjk", "sourcehansans", "wqy-zenhei", "wqy-microhei", "uming", "droidsansfallback",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed CJK-capable font, or ``None``.

    matplotlib caches its font list; fonts installed after the cache was written (e.g.
    ``fonts-noto-cjk`` by ``make browser``) are looked up on disk and registered.
    """
    try:
        from matplotlib import font_manager
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None

    def pick() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    found = pick()
    if found:
        return found
    try:
        paths = font_manager.findSystemFonts()
    except Exception:  # pragma: no cover - a font scan must never break a report
        return None
    candidates = sorted(
        (p for p in paths if any(tag in Path(p).name.lower() for tag in _CJK_FILE_TAGS)),
        key=lambda p: (
            "sans" not in Path(p).name.lower(),
            "bold" in Path(p).name.lower(),
            next(i for i, tag in enumerate(_CJK_FILE_TAGS) if tag in Path(p).name.lower()),
            p,
        ),
    )
    for path in candidates[:4]:
        try:
            font_manager.fontManager.addfont(path)
        except Exception:  # pragma: no cover - an unreadable font file
            continue
    return pick()


def _label(cjk: str, ascii_text: str) -> str:
    return f"{cjk} {ascii_text}" if cjk_font() else ascii_text


def _ascii(text: str) -> str:
    """``text``, with non-ASCII characters dropped when no CJK font is installed."""
    if cjk_font() or not text:
        return text
    return " ".join("".join(ch if ord(ch) < 128 else " " for ch in text).split())


def _figure(plt):
    font = cjk_font()
    rc = {"font.family": ["sans-serif"], "axes.unicode_minus": False}
    if font:
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    return plt.rc_context(rc)


def hit_series(report: Mapping[str, Any], max_k: int = MAX_K) -> list[tuple[int, float]]:
    """``(k, hit@k)`` for k = 1..max_k where the report has a value."""
    out = []
    for k in range(1, max_k + 1):
        value = report.get(f"hit@{k}")
        if value is not None:
            out.append((k, float(value)))
    return out


def hit_at_k_chart(reports: Mapping[str, Mapping[str, Any]], path: Path, title: str = "") -> Path | None:
    """A line chart of hit@k (k = 1..10), one line per report; ``None`` if there is nothing to plot."""
    series = {name: hit_series(rep) for name, rep in reports.items()}
    series = {name: pts for name, pts in series.items() if pts}
    if not series:
        return None
    plt = _pyplot()
    with _figure(plt):
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
        lows = []
        for name, pts in series.items():
            ks, values = zip(*pts)
            lows.append(min(values))
            ax.plot(ks, values, marker="o", label=_ascii(name) or f"run {len(lows)}")
            for k, v in pts:
                if k in (1, 5, 10):
                    ax.annotate(f"{v:.3f}", (k, v), textcoords="offset points", xytext=(0, 6),
                                ha="center", fontsize=8)
        ax.set_xticks(range(1, MAX_K + 1))
        ax.set_xlabel("k")
        ax.set_ylabel(_label("命中率", "hit@k"))
        ax.set_ylim(max(0.0, min(lows) - 0.05), 1.01)
        ax.grid(True, alpha=0.3)
        ax.set_title(_ascii(title) or _label("檢索命中率", "hit@k: a gold passage in the top k"))
        if len(series) > 1:
            ax.legend()
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)
    return path


def calibration_chart(
    curves: Mapping[str, Sequence[Mapping[str, Any]]],
    path: Path,
    *,
    marks: Mapping[str, float] | None = None,
    max_false_abstain: float | None = None,
) -> Path | None:
    """Abstain recall and false-abstain rate against the threshold, one pair of lines per curve.

    ``marks`` names thresholds to draw as vertical lines (e.g. current, recommended).
    """
    plt = _pyplot()
    drawn = False
    with _figure(plt):
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
        styles = ["-", "--", ":"]
        for i, (name, points) in enumerate(curves.items()):
            pts = [p for p in points if p.get("abstain_recall") is not None and p.get("false_abstain_rate") is not None]
            if not pts:
                continue
            drawn = True
            ts = [p["threshold"] for p in pts]
            style = styles[i % len(styles)]
            suffix = f" ({_ascii(name)})" if len(curves) > 1 else ""
            ax.plot(ts, [p["abstain_recall"] for p in pts], style, color="tab:blue",
                    label=_label("拒答召回", "abstain recall") + suffix)
            ax.plot(ts, [p["false_abstain_rate"] for p in pts], style, color="tab:red",
                    label=_label("誤拒率", "false abstain rate") + suffix)
        if not drawn:
            plt.close(fig)
            return None
        if max_false_abstain is not None:
            ax.axhline(max_false_abstain, color="tab:red", alpha=0.3, linewidth=1)
        for j, (name, t) in enumerate((marks or {}).items()):
            ax.axvline(t, color=["tab:green", "tab:gray", "tab:purple"][j % 3], alpha=0.7, linewidth=1,
                       label=f"{name} = {t:.2f}")
        ax.set_xlabel(_label("信心門檻", "confidence threshold (abstain below)"))
        ax.set_ylabel("rate")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="center right")
        ax.set_title(_label("拒答校準", "abstention calibration"))
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)
    return path
