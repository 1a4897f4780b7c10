"""The explorer's as-of choice travels in the spec and comes back from a saved report."""

from __future__ import annotations

from aurora import lake_history
from aurora.spec_builder import Draft, build
from aurora.spec_restore import restore
from aurora.state.admin_erase import confirmed, partition_text
from aurora.state.models import ColumnMeta

COLUMNS = [ColumnMeta(name="id", kind="integer"), ColumnMeta(name="name", kind="text")]


def test_a_chosen_version_is_sent_as_the_specs_as_of() -> None:
    spec, _ = build(Draft(dataset="people", columns=COLUMNS, as_of={"version": 2}))
    assert spec["as_of"] == {"version": 2}


def test_no_as_of_means_the_latest_version_and_no_as_of_key() -> None:
    spec, _ = build(Draft(dataset="people", columns=COLUMNS))
    assert "as_of" not in spec


def test_a_report_pinned_to_a_version_or_a_time_reopens_pinned() -> None:
    for as_of in ({"version": 0}, {"timestamp": "2026-12-02T22:31:00+00:00"}):
        saved = {"dataset": "people", "columns": ["id", "name"], "as_of": as_of}
        assert build(restore(saved, COLUMNS))[0]["as_of"] == as_of


def test_history_rows_show_time_operation_and_rows_changed() -> None:
    answer = {
        "versions": [
            {
                "version": 1,
                "timestamp": "2026-12-02T22:31:05Z",
                "operation": "DELETE",
                "user": "admin",
                "rows_added": 0,
                "rows_removed": 2,
                "rows_updated": None,
            },
            {"version": 0, "timestamp": "2026-12-02T22:30:00Z", "operation": "WRITE"},
        ]
    }
    rows = lake_history.version_rows(answer)
    assert [(r.version, r.operation, r.rows) for r in rows] == [
        (1, "DELETE", "\u22122"),
        (0, "WRITE", ""),
    ]
    assert rows[0].when == "02 Dec 2026 22:31:05 UTC"


def test_erase_needs_the_key_or_the_word_typed_exactly() -> None:
    assert confirmed(" people ", "people") and confirmed("ERASE", "people")
    assert not confirmed("Erase", "people") and not confirmed("peopl", "people")
    assert not confirmed("", "")
    assert partition_text({"values": {"load_id": 1}, "rows": 3}) == "load_id=1: 3 rows"
