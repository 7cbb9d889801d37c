"""Server-side SVG charts: well-formed, labelled, escaped, not colour-only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from registry.web import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def _texts(root) -> list[str]:
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_diverging_bars_are_an_accessible_image_with_every_number_as_text():
    svg = charts.diverging_bars(
        [charts.Datum("Gever B.V.", 3), charts.Datum("Nemer & Zn", -2), charts.Datum("Nul", 0)],
        title="Balance per member",
        desc="Two members",
        uid="bal",
        negative_caption="takes",
        positive_caption="gives",
    )
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "bal-title bal-desc"
    assert root.find("svg:title", NS).text == "Balance per member"
    assert root.find("svg:title", NS).get("id") == "bal-title"
    assert root.find("svg:desc", NS).text == "Two members"
    texts = _texts(root)
    assert {"Gever B.V.", "Nemer & Zn", "Nul", "+3", "\u22122", "0"} <= set(texts)
    assert any("takes" in t for t in texts) and any("gives" in t for t in texts)
    # Direction carries the meaning: the positive bar starts at the axis, the negative ends there.
    axis = float(root.find("svg:line", NS).get("x1"))
    rects = root.findall("svg:rect", NS)
    assert len(rects) == 2  # no bar for zero
    give, take = rects
    assert float(give.get("x")) == pytest.approx(axis)
    assert float(take.get("x")) + float(take.get("width")) == pytest.approx(axis)
    assert "style=" not in str(svg)  # the CSP forbids inline styles


def test_labels_are_escaped_and_ids_sanitised():
    svg = charts.diverging_bars(
        [charts.Datum("<script>alert(1)</script>", 1)],
        title='Title "quoted" <b>',
        desc="d & d",
        uid="9 bad id",
        negative_caption="<",
        positive_caption=">",
    )
    text = str(svg)
    assert "<script>" not in text and "&lt;script&gt;" in text
    root = _parse(svg)  # still well-formed XML
    assert root.find("svg:title", NS).text == 'Title "quoted" <b>'
    assert root.get("aria-labelledby") == "c-9-bad-id-title c-9-bad-id-desc"


def test_empty_diverging_chart_is_still_valid():
    root = _parse(
        charts.diverging_bars(
            [], title="t", desc="d", uid="e", negative_caption="n", positive_caption="p"
        )
    )
    assert root.get("role") == "img"
    assert root.findall("svg:rect", NS) == []


def test_grouped_bars_label_every_value_and_use_patterns_and_a_text_legend():
    svg = charts.grouped_bars(
        ["2026-01", "2026-02", "2026-03"],
        [charts.Series("Starts", [2, 0, 5]), charts.Series("Completions", [1, 3, 0])],
        title="Per month",
        desc="Starts and completions",
        uid="months",
    )
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.find("svg:desc", NS).text == "Starts and completions"
    texts = _texts(root)
    assert {"Starts", "Completions", "2026-01", "2026-02", "2026-03"} <= set(texts)
    assert sorted(t for t in texts if t.isdigit() and len(t) == 1) == sorted(
        ["0", "5", "2", "0", "5", "1", "3", "0"]  # axis 0 and max 5, then each of 6 values
    )
    patterns = root.findall("svg:defs/svg:pattern", NS)
    assert [p.get("id") for p in patterns] == ["months-p0", "months-p1"]
    assert len({ET.tostring(p) for p in patterns}) == 2  # patterns differ, not just colours
    bars = [r for r in root.findall("svg:rect", NS) if r.get("y") != "6"]
    assert len(bars) == 4  # zero values draw no bar but keep their number
    heights = sorted(float(b.get("height")) for b in bars)
    assert heights[-1] == pytest.approx(150)  # the biggest value fills the plot


def test_grouped_bars_refuse_mismatched_series():
    with pytest.raises(ValueError):
        charts.grouped_bars(["a", "b"], [charts.Series("s", [1])], title="t", desc="d", uid="x")


def test_many_months_rotate_their_labels():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    root = _parse(
        charts.grouped_bars(
            months, [charts.Series("s", list(range(12)))], title="t", desc="d", uid="r"
        )
    )
    rotated = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("transform")]
    assert [t.text for t in rotated] == months
