"""The flat filter rows become the API's nested tree; errors find their way back."""

from __future__ import annotations

from aurora import filters as flt
from aurora import vocabulary
from backend.query import operators


def _tree() -> tuple[list[flt.FilterRow], dict[str, str]]:
    rows = flt.new_tree()
    region = flt.condition("region", "text", "in", "North, South\nEast")
    rows = flt.add_row(rows, flt.ROOT, region)
    sub = flt.group("or")
    rows = flt.add_row(rows, flt.ROOT, sub)
    date = flt.condition("sale_date", "date", "between", "2023-01-01")
    date.value2 = "2023-03-31"
    rows = flt.add_row(rows, sub.id, date)
    rows = flt.add_row(rows, sub.id, flt.condition("amount", "float", ">", "1000"))
    ids = {"region": region.id, "date": date.id, "sub": sub.id}
    return rows, ids


def test_nested_groups_become_a_nested_tree():
    rows, _ = _tree()
    spec, _ = flt.to_spec(rows)
    assert spec == {
        "op": "and",
        "conditions": [
            {"column": "region", "operator": "in", "value": ["North", "South", "East"]},
            {
                "op": "or",
                "conditions": [
                    {
                        "column": "sale_date",
                        "operator": "between",
                        "value": ["2023-01-01", "2023-03-31"],
                    },
                    {"column": "amount", "operator": ">", "value": 1000},
                ],
            },
        ],
    }


def test_incomplete_conditions_and_empty_groups_are_left_out():
    rows = flt.add_row(flt.new_tree(), flt.ROOT, flt.condition("amount", "float", "between", "1"))
    rows = flt.add_row(rows, flt.ROOT, flt.group())
    assert flt.to_spec(rows) == (None, {})


def test_error_paths_point_at_the_condition_they_name():
    rows, ids = _tree()
    _, paths = flt.to_spec(rows)
    assert flt.row_for_path("filters.conditions[1].conditions[0].value", paths) == ids["date"]
    assert flt.row_for_path("filters.conditions.0.value", paths) == ids["region"]
    assert flt.row_for_path("columns[0]", paths) is None


def test_removing_a_group_removes_its_conditions():
    rows, ids = _tree()
    left = flt.remove_row(rows, ids["sub"])
    assert [r.id for r in left] == [flt.ROOT, ids["region"]]


def test_pasted_lists_split_on_commas_semicolons_and_newlines():
    assert flt.split_list("A, B;C\n\nD\tE ,") == ["A", "B", "C", "D", "E"]


def test_negated_group_is_sent_with_negate():
    rows = flt.update_row(flt.new_tree(), flt.ROOT, negate=True, op="or")
    rows = flt.add_row(rows, flt.ROOT, flt.condition("region", "text", "=", "North"))
    spec, _ = flt.to_spec(rows)
    assert spec == {
        "op": "or",
        "negate": True,
        "conditions": [{"column": "region", "operator": "=", "value": "North"}],
    }


def test_operators_follow_the_column_kind_as_the_api_offers_them():
    words = vocabulary.take(operators.vocabulary())  # what GET /api/meta/operators answers
    assert "between" in words.operators_for("date")
    assert "contains" not in words.operators_for("integer")
    assert words.default_operator("text") == "contains"
    assert words.operators_for("other") == words.operators_for("text")
    row = flt.condition("region", "text", "in", "North, South")
    assert flt.describe(row, "Region") == "Region is one of North, South"
