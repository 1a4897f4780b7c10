"""The CDC source form's text <-> the admin API's JSON, and a poll in words."""

from __future__ import annotations

import pytest

from aurora import cdc_forms as cf

FILLED = cf.empty_form() | {
    "dataset": "orders",
    "table": "orders",
    "key_column": "id",
    "watermark_column": "updated_at",
}


def test_a_new_source_sends_its_dataset_and_a_typed_url() -> None:
    body, errors = cf.source_body(FILLED | {"url": " postgresql://r@h/db "}, False, new=True)
    assert errors == {}
    assert body["dataset"] == "orders" and body["url"] == "postgresql://r@h/db"
    assert (body["schema_name"], body["enabled"]) == ("public", False)


def test_an_edit_never_sends_the_dataset_and_keeps_the_url_unless_told() -> None:
    kept, _ = cf.source_body(FILLED, True, new=False)
    assert "dataset" not in kept and "url" not in kept
    cleared, _ = cf.source_body(FILLED, True, new=False, url_clear=True)
    assert cleared["url"] is None


def test_missing_fields_are_named_before_anything_is_sent() -> None:
    _, errors = cf.source_body(cf.empty_form() | {"dataset": "9lives"}, True, new=True)
    assert set(errors) == {"dataset", "table", "key_column", "watermark_column"}


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("The deleted column 'gone' is not in public.t.", "deleted_column"),
        ("The watermark column 'customer' must be a timestamp or integer.", "watermark_column"),
        ("Cannot read public.nope: relation does not exist", "table"),
        ("Cannot connect to the source database: refused", "url"),
        ("Dataset 'orders' already has a CDC source.", "dataset"),
    ],
)
def test_a_refusal_of_the_registration_check_marks_its_field(message: str, field: str) -> None:
    assert cf.field_errors(message, []) == {field: message}


def test_a_refusal_naming_no_field_marks_none() -> None:
    assert cf.field_errors("Invalid request at colour: extra", [{"path": "colour"}]) == {}


def test_a_listed_source_reads_as_the_list_shows_it() -> None:
    item = cf.item(
        {
            "id": "a1",
            "dataset": "orders",
            "interval_s": 300,
            "enabled": False,
            "last_run_at": "2026-12-03T07:10:05+00:00",
            "last_status": "ok",
            "last_upserted": 1,
            "last_deleted": 0,
            "watermark": 1,
            "watermark_text": "2026-12-03 07:10:00 UTC",
        }
    )
    assert (item.every, item.last_run, item.rows) == (
        "every 5 min",
        "2026-12-03 07:10:05 UTC",
        "1 row merged",
    )
    assert item.watermark == "2026-12-03 07:10:00 UTC" and not item.enabled
    assert cf.form_of(item)["url"] == "" and cf.form_of(item)["interval_s"] == "300"
