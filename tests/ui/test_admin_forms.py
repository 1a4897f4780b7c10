"""Admin form text <-> the admin API's JSON."""

from __future__ import annotations

import pytest

from aurora import admin_forms as af


def test_attribute_lines_become_lists_of_values() -> None:
    parsed, problem = af.parse_attributes("region = North, West\n\nlevel=3\nteam =")
    assert problem == ""
    assert parsed == {"region": ["North", "West"], "level": ["3"], "team": []}
    assert af.format_attributes(parsed).splitlines()[0] == "region = North, West"


@pytest.mark.parametrize("text", ["region North", "= North", "1st = x"])
def test_a_malformed_attribute_line_is_named(text: str) -> None:
    parsed, problem = af.parse_attributes(f"ok = 1\n{text}")
    assert parsed == {} and problem.startswith("Line 2:")


def test_type_overrides_skip_blank_rows() -> None:
    assert af.type_overrides([("amount", "DECIMAL(18,2)"), ("", "DATE"), ("x", "")]) == (
        '{"amount": "DECIMAL(18,2)"}'
    )
    assert af.type_overrides([]) == ""


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("2024-06-01T10:00", "2024-06-01T10:00Z"),
        ("", ""),
        ("2024-06-01T10:00Z", "2024-06-01T10:00Z"),
    ],
)
def test_audit_times_are_read_as_utc(value: str, sent: str) -> None:
    assert af.audit_time(value) == sent


def test_settings_patch_sends_only_what_changed() -> None:
    before = {
        "label": "Sales",
        "rls": [],
        "columns": {"amount": {"label": "Amount", "hidden": False, "format": None}},
    }
    after = {
        "label": "Sales",
        "rls": [{"column": "region", "attribute": "region"}],
        "columns": {"amount": {"label": "Amount", "hidden": True, "format": None}},
    }
    assert af.settings_patch(before, after) == {
        "rls": [{"column": "region", "attribute": "region"}],
        "columns": {"amount": {"hidden": True}},
    }
    assert af.settings_patch(before, before) == {}


@pytest.mark.parametrize(
    ("columns", "source", "shown"),
    [
        (["order_id"], "table", "order_id (declared by the table)"),
        (["load_id", "order_id"], "setting", "load_id, order_id (the primary_key setting)"),
        ([], None, "None: rows are not keyed"),
    ],
)
def test_the_key_in_effect_says_where_it_comes_from(
    columns: list[str], source: str | None, shown: str
) -> None:
    assert af.key_in_effect(columns, source) == shown
