"""Small server-side SVG charts, accessible by construction.

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``,
carries its numbers as text next to the bars and never relies on colour alone: direction
(diverging bars), patterns and a text legend (grouped bars) carry the meaning too. The
page always shows the same numbers in a table as well. Pure functions: the caller passes
translated texts; only presentation attributes are used (the CSP forbids inline styles).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1b1b1b"
AXIS = "#5c6670"
GIVE = "#31597d"
TAKE = "#8a4b00"
SERIES_FILLS = ("#31597d", "#8a4b00", "#2e6b30", "#6a3d7a")
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True, slots=True)
class Datum:
    label: str
    value: int | float


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int | float]


def _uid(uid: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", uid)
    return cleaned if cleaned[:1].isalpha() else f"c-{cleaned}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _fmt(value: int | float) -> str:
    """A value label in the reader's locale ("2,5" in Dutch)."""
    if isinstance(value, float) and not value.is_integer():
        from registry.services.formatting import number

        return number(value, 1)
    return str(int(value))


def _signed(value: int | float) -> str:
    text = _fmt(abs(value))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"  # a real minus sign
    return "0"


def _open(uid: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{uid}-title {uid}-desc" focusable="false" '
        f'class="chart">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = 13) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{INK}" {FONT}>{escape(content)}</text>'
    )


def _truncate(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"


def diverging_bars(
    data: Sequence[Datum],
    *,
    title: str,
    desc: str,
    uid: str,
    negative_caption: str,
    positive_caption: str,
    width: int = 720,
) -> Markup:
    """Horizontal bars left (negative) and right (positive) of a zero axis, one row per
    datum, each with its label and its signed value as text."""
    uid = _uid(uid)
    row, top, label_w = 26, 34, 230
    height = top + row * max(len(data), 1) + 12
    plot_left, plot_right = label_w + 10, width - 50
    zero = (plot_left + plot_right) / 2
    half = (plot_right - plot_left) / 2
    biggest = max((abs(d.value) for d in data), default=0) or 1
    parts = _open(uid, width, height, title, desc)
    parts.append(_text(zero - 6, 18, f"\u2190 {negative_caption}", "end", 12))
    parts.append(_text(zero + 6, 18, f"{positive_caption} \u2192", "start", 12))
    for i, datum in enumerate(data):
        y = top + i * row
        length = half * abs(datum.value) / biggest
        x = zero if datum.value >= 0 else zero - length
        fill = GIVE if datum.value >= 0 else TAKE
        parts.append(_text(label_w, y + 16, _truncate(datum.label, 30), "end"))
        if datum.value:
            parts.append(
                f'<rect x="{_num(x)}" y="{y + 4}" width="{_num(max(length, 1))}" '
                f'height="{row - 8}" fill="{fill}"/>'
            )
        value_x = zero + length + 4 if datum.value >= 0 else zero - length - 4
        anchor = "start" if datum.value >= 0 else "end"
        parts.append(_text(value_x, y + 16, _signed(datum.value), anchor, 12))
    parts.append(
        f'<line x1="{_num(zero)}" y1="{top - 4}" x2="{_num(zero)}" y2="{height - 8}" '
        f'stroke="{AXIS}" stroke-width="2"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def _pattern(uid: str, index: int) -> str:
    """Fill patterns so that series differ by more than colour: solid, hatched, dotted."""
    fill = SERIES_FILLS[index % len(SERIES_FILLS)]
    pid = f"{uid}-p{index}"
    kind = index % 3
    if kind == 0:
        body = f'<rect width="8" height="8" fill="{fill}"/>'
    elif kind == 1:
        body = (
            f'<rect width="8" height="8" fill="#ffffff"/>'
            f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{fill}" stroke-width="2.5"/>'
        )
    else:
        body = (
            f'<rect width="8" height="8" fill="#ffffff"/>'
            f'<circle cx="4" cy="4" r="2.2" fill="{fill}"/>'
        )
    return (
        f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">{body}</pattern>'
    )


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    uid: str,
    width: int = 720,
) -> Markup:
    """Vertical bars per category (e.g. month), one bar per series with its value on top,
    a pattern per series and a text legend."""
    uid = _uid(uid)
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(categories)}")
    plot_top, plot_h, axis_h = 46, 150, 40
    height = plot_top + plot_h + axis_h
    left, right = 36, width - 10
    group_w = (right - left) / max(len(categories), 1)
    bar_w = max(min((group_w - 8) / max(len(series), 1), 28), 3)
    biggest = max((v for s in series for v in s.values), default=0) or 1
    parts = _open(uid, width, height, title, desc)
    parts.append("<defs>" + "".join(_pattern(uid, i) for i in range(len(series))) + "</defs>")
    x = left
    for i, s in enumerate(series):
        stroke = SERIES_FILLS[i % len(SERIES_FILLS)]
        parts.append(
            f'<rect x="{_num(x)}" y="6" width="16" height="16" fill="url(#{uid}-p{i})" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
        )
        parts.append(_text(x + 22, 19, s.name))
        x += 30 + 8 * len(s.name) + 20
    baseline = plot_top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{baseline}" x2="{right}" y2="{baseline}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>'
    )
    parts.append(_text(left - 6, baseline + 4, "0", "end", 11))
    parts.append(_text(left - 6, plot_top + 4, _fmt(biggest), "end", 11))
    rotate = len(categories) > 8
    for c, category in enumerate(categories):
        gx = left + c * group_w + (group_w - bar_w * len(series)) / 2
        for i, s in enumerate(series):
            value = s.values[c]
            h = plot_h * value / biggest
            bx = gx + i * bar_w
            if value:
                stroke = SERIES_FILLS[i % len(SERIES_FILLS)]
                parts.append(
                    f'<rect x="{_num(bx + 1)}" y="{_num(baseline - h)}" '
                    f'width="{_num(bar_w - 2)}" height="{_num(h)}" fill="url(#{uid}-p{i})" '
                    f'stroke="{stroke}" stroke-width="1"/>'
                )
            parts.append(_text(bx + bar_w / 2, baseline - h - 3, _fmt(value), "middle", 11))
        cx = left + c * group_w + group_w / 2
        if rotate:
            parts.append(
                f'<text x="{_num(cx)}" y="{baseline + 14}" text-anchor="end" font-size="11" '
                f'fill="{INK}" {FONT} transform="rotate(-35 {_num(cx)} {baseline + 14})">'
                f"{escape(category)}</text>"
            )
        else:
            parts.append(_text(cx, baseline + 16, category, "middle", 11))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
