"""Text on the page meets WCAG AA (4.5:1): the muted grey and the citation colour the app's
CSS sets, against the backgrounds of Gradio's default theme in light and dark mode."""

from __future__ import annotations

import re

import gradio as gr

from newsqa.ui.assets import APP_CSS, SOURCES_CSS
from newsqa.ui.time_controls import TIME_CSS

AA = 4.5


def _theme_colour(name: str) -> str:
    theme, value = gr.themes.Default(), name
    while value not in ("white", "black") and not value.startswith("#"):
        value = getattr(theme, value.lstrip("*"))
    return {"white": "#ffffff", "black": "#000000"}.get(value, value)


def _luminance(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _variables(selector: str) -> dict[str, str]:
    block = re.search(rf"{re.escape(selector)}\s*\{{([^}}]*)\}}", APP_CSS).group(1)
    return dict(re.findall(r"--(nqa-[\w-]+):\s*(#[0-9a-fA-F]{6})", block))


def test_muted_text_and_citations_meet_aa_in_light_and_dark_mode() -> None:
    light, dark = _variables(":root"), _variables(".dark")
    for background in ("background_fill_primary", "color_accent_soft"):  # the page, a chip
        assert contrast(light["nqa-muted"], _theme_colour(background)) >= AA
        assert contrast(light["nqa-cite"], _theme_colour(background)) >= AA
    for background in ("background_fill_primary_dark", "block_background_fill_dark", "color_accent_soft_dark"):
        assert contrast(dark["nqa-muted"], _theme_colour(background)) >= AA
        assert contrast(dark["nqa-cite"], _theme_colour(background)) >= AA
    assert contrast("#1f1f1f", "#fde68a") >= AA  # highlighted text


def test_no_rule_uses_gradio_s_subdued_grey_and_the_page_redefines_it() -> None:
    assert contrast(_theme_colour("body_text_color_subdued"), "#ffffff") < AA  # why: 1.9:1
    for css in (APP_CSS, SOURCES_CSS, TIME_CSS):
        assert "var(--body-text-color-subdued" not in css
    # Gradio's own info lines and footer use it: the page sets it to the muted colour
    assert "--body-text-color-subdued: #55555d" in APP_CSS and contrast("#55555d", "#ffffff") >= AA
