"""The SVG charts: accessible names, every value carried, user text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from adapters.web.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_a_bar_chart_is_a_labelled_image_with_every_value() -> None:
    svg = bar_chart("Pairs by state", [("active", 170), ("ended", 40), ("<b>", 0)])
    root = parsed(svg)  # well-formed, the label escaped
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    ids = {el.get("id"): el.text for el in root.iter() if el.get("id")}
    assert [ids[i] for i in labelled] == ["Pairs by state", "active: 170; ended: 40; <b>: 0"]
    values = [int(rect.get("data-value", "")) for rect in root.iter(f"{SVG}rect")]
    assert values == [170, 40, 0]
    widths = [float(rect.get("width", "")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > 0 and widths[2] == 1  # the longest bar is the largest


def test_a_column_chart_shows_a_week_with_nothing_due_as_a_gap() -> None:
    svg = column_chart("Completion", [("05 Oct", 80), ("12 Oct", None), ("19 Oct", 100)])
    root = parsed(svg)
    bars = [rect.get("data-value") for rect in root.iter(f"{SVG}rect")]
    assert bars == ["80", "100"]
    assert "12 Oct: nothing due" in svg
    heights = [float(rect.get("height", "")) for rect in root.iter(f"{SVG}rect")]
    assert heights[1] > heights[0]
    assert re.search(r"<desc [^>]*>05 Oct: 80%; 12 Oct: nothing due; 19 Oct: 100%</desc>", svg)


def test_charts_on_one_page_have_their_own_ids() -> None:
    first, second = bar_chart("A", [("x", 1)]), bar_chart("B", [("y", 2)])
    ids = set(re.findall(r'id="([^"]+)"', first)) & set(re.findall(r'id="([^"]+)"', second))
    assert ids == set()
