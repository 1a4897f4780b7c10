"""Join builder logic: compatible key types, a guessed first key pair, renamed references."""

from __future__ import annotations

from aurora import joins as jn
from aurora.state.models import ColumnMeta

DATASETS = {
    "sales": [
        ColumnMeta(name="region", kind="text"),
        ColumnMeta(name="employee_id", kind="integer"),
        ColumnMeta(name="order_date", kind="date"),
    ],
    "staff": [
        ColumnMeta(name="employee_id", kind="integer"),
        ColumnMeta(name="region", kind="text"),
        ColumnMeta(name="salary", kind="decimal"),
    ],
}


def test_right_keys_are_the_columns_whose_type_matches_the_left_key() -> None:
    options = jn.right_options("sales.employee_id", "staff", DATASETS, "Staff")
    assert [o.name for o in options] == ["staff.employee_id", "staff.salary"]
    assert [o.name for o in jn.right_options("sales.region", "staff", DATASETS, "S")] == [
        "staff.region"
    ]


def test_the_first_key_pair_prefers_a_shared_id_column() -> None:
    assert jn.guess_pair(["sales"], "staff", DATASETS) == ("sales.employee_id", "staff.employee_id")


def test_the_spec_leaves_out_half_made_pairs() -> None:
    join = jn.JoinEdit(id="j", dataset="staff", type="inner")
    pairs = [
        jn.KeyPair(id="a", join_id="j", left="sales.employee_id", right="staff.employee_id"),
        jn.KeyPair(id="b", join_id="j", left="sales.region", right=""),
    ]
    assert jn.to_spec([join], pairs) == [
        {
            "dataset": "staff",
            "type": "inner",
            "on": [{"left": "sales.employee_id", "right": "staff.employee_id"}],
        }
    ]
    details = [{"path": "joins[0].on[0]", "message": "cannot join"}]
    assert jn.pair_errors(pairs, [join], details) == {"a": "cannot join"}


def test_references_follow_a_name_that_became_ambiguous_and_back() -> None:
    joined = {"sales.region", "staff.region", "order_date"}
    assert jn.remap("region", joined, "sales") == "sales.region"
    assert jn.remap("order_date", joined, "sales") == "order_date"
    assert jn.remap("sales.region", {"region"}, "sales") == "region"
    assert jn.remap("salary", {"region"}, "sales") is None
