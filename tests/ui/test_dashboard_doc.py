"""The dashboard document as the UI edits and draws it (aurora.dashboard_doc)."""

from __future__ import annotations

import pytest

from aurora import dashboard_doc as docs

DOC = {
    "id": "d1",
    "owner": "ann",
    "can_edit": True,
    "version": 3,
    "name": "Sales",
    "filters": [],
    "tabs": [{"id": "main", "title": "Main", "tiles": []}],
}
RESULT = {
    "columns": [
        {"name": "region", "type": "VARCHAR", "label": "Region"},
        {"name": "revenue", "type": "DECIMAL(18,2)", "label": "Revenue"},
    ],
    "rows": [["North", "1234.50"], ["South", "10.00"], [None, "5.00"]],
}


def test_the_body_leaves_out_what_the_server_sets() -> None:
    body = docs.body(DOC, shared=True)
    assert set(body) == {"name", "filters", "tabs", "shared"}


def test_tiles_are_added_below_the_others_and_take_the_grids_layout() -> None:
    doc = docs.add_tile(DOC, "main", docs.text_tile("hello"))
    doc = docs.add_tile(doc, "main", docs.report_tile({"id": "r", "name": "R", "spec": {}}))
    first, second = doc["tabs"][0]["tiles"]
    assert first["position"] == {"x": 0, "y": 0, "w": 12, "h": 2}
    assert second["position"] == {"x": 0, "y": 2, "w": 6, "h": 6}
    moved = docs.with_layout(doc, "main", [{"i": second["id"], "x": 9, "y": 0, "w": 8, "h": 0}])
    assert moved["tabs"][0]["tiles"][1]["position"] == {"x": 4, "y": 0, "w": 8, "h": 1}
    assert DOC["tabs"][0]["tiles"] == []  # the original is untouched


def test_a_report_tile_opens_as_its_report_does() -> None:
    kpi = docs.report_tile({"id": "r", "kind": "chart", "chart": {"kind": "kpi", "y": "v"}})
    bar = docs.report_tile({"id": "r", "kind": "chart", "chart": {"kind": "bar"}})
    table = docs.report_tile({"id": "r", "kind": "table", "chart": None})
    assert (kpi["view"], bar["view"], table["view"]) == ("kpi", "chart", "table")
    assert table["chart"] is None


def test_filter_values_and_pills_survive_the_address() -> None:
    values = {"d": {"preset": "last_30_days"}, "r": ["North", "O'Brien & co"], "e": None}
    pills = [{"column": "region", "value": "North"}]
    address = docs.to_address(values, pills)
    assert address.startswith("?f=")
    assert docs.from_address(address[3:]) == ({"d": values["d"], "r": values["r"]}, pills)
    assert docs.to_address({}, []) == ""
    assert docs.from_address("not json") == ({}, [])


def test_a_result_becomes_table_cells_a_kpi_and_chart_points() -> None:
    headers, cells = docs.table(RESULT)
    assert headers == ["Region", "Revenue"] and cells[0] == ["North", "1,234.50"]
    assert docs.kpi(RESULT, {"kind": "kpi", "y": "revenue"}) == "1,234.50"
    assert docs.kpi({"columns": [], "rows": []}, None) == "-"
    drawn = docs.points(RESULT, {"kind": "bar", "x": "region", "y": "revenue"}, ["revenue"])
    assert drawn.x == "region"
    assert [(p["cat"], p["k"], p["s0"]) for p in drawn.points][:2] == [
        ("North", "North", 1234.5),
        ("South", "South", 10.0),
    ]


MAPPED = {
    "tabs": [
        {
            "id": "main",
            "tiles": [
                {"id": "a", "kind": "report", "filters": {"when": "order_date", "r": "region"}},
                {"id": "b", "kind": "report", "filters": {"when": None, "r": "region"}},
                {"id": "c", "kind": "report", "filters": {}},
                {"id": "t", "kind": "text"},
            ],
        }
    ]
}


@pytest.mark.parametrize(
    ("changed", "reloaded"),
    [
        ({"when"}, {"a"}),  # b maps it to null, c leaves it out: neither reads it
        ({"r"}, {"a", "b"}),
        ({"when", "r"}, {"a", "b"}),
        ({"other"}, set()),
    ],
)
def test_a_filter_change_touches_only_the_tiles_that_map_it(
    changed: set[str], reloaded: set[str]
) -> None:
    assert docs.mapped_tiles(MAPPED, changed) == reloaded


@pytest.mark.parametrize(
    ("markdown", "has", "lacks"),
    [
        ("**b** and *i*", ["<strong>b</strong>", "<em>i</em>"], []),
        ("<script>alert(1)</script>", ["&lt;script&gt;"], ["<script"]),
        ('<img src=x onerror="alert(1)">', ["&lt;img"], ["<img"]),
        ("[x](javascript:alert(1))", [], ["<a", "href"]),
        ("[ok](https://example.com)", ['<a href="https://example.com">ok</a>'], []),
        ("| a |\n|---|\n| 1 |", ["<table>", "<td>1</td>"], []),
    ],
)
def test_markdown_is_rendered_without_raw_html(
    markdown: str, has: list[str], lacks: list[str]
) -> None:
    html = docs.markdown_html(markdown)
    assert all(h in html for h in has), html
    assert not any(x in html for x in lacks), html


@pytest.mark.parametrize(
    ("values", "cross", "refresh", "address"),
    [
        ({}, [], 0, ""),
        ({}, [], 30, "?refresh=30"),
        ({"d": ["a"]}, [], 60, "?f=%7B%22d%22%3A%5B%22a%22%5D%7D&refresh=60"),
    ],
)
def test_the_address_holds_filters_and_the_auto_refresh(
    values: dict[str, object], cross: list[dict[str, object]], refresh: int, address: str
) -> None:
    assert docs.to_address(values, cross, refresh) == address


def test_present_mode_walks_tiles_top_to_bottom_left_to_right() -> None:
    tiles = [
        {"id": "low", "position": {"x": 0, "y": 6}},
        {"id": "right", "position": {"x": 6, "y": 0}},
        {"id": "left", "position": {"x": 0, "y": 0}},
    ]
    assert [t["id"] for t in docs.reading_order(tiles)] == ["left", "right", "low"]


def test_a_mapping_and_a_caption_edit_one_tile_and_the_values_come_from_its_column() -> None:
    doc = {
        "tabs": [
            {
                "id": "m",
                "tiles": [
                    {"id": "a", "kind": "report", "spec": {"dataset": "s"}, "filters": {"f": None}}
                ],
            }
        ]
    }
    doc = docs.with_caption(docs.with_mapping(doc, "a", "f", "region"), "a", "Note")
    tile = doc["tabs"][0]["tiles"][0]
    assert tile["filters"] == {"f": "region"} and tile["caption"] == "Note"
    assert docs.values_source(doc, "f") == ("s", "region")
    assert docs.values_source(docs.with_mapping(doc, "a", "f", None), "f") is None
