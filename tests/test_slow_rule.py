"""The fast loop's rule (tests/slow.py): which tests `make check` leaves to `make test`."""

from __future__ import annotations

from tests.slow import FAMILIES, THRESHOLD_S, is_slow, listed, over_threshold

REPORT = """\
============================= slowest durations ==============================
1.20s call     tests/api/test_a.py::test_one[postgres]
0.60s setup    tests/api/test_a.py::test_two[a b: c]
0.50s call     tests/api/test_a.py::test_two[a b: c]
0.99s call     tests/api/test_a.py::test_three
(3000 durations < 0.005s hidden.  Use -vv to show these durations.)
"""


def test_a_test_over_the_threshold_in_all_its_phases_together_is_slow() -> None:
    assert THRESHOLD_S == 1.0
    assert over_threshold(REPORT) == {
        "tests/api/test_a.py::test_one[postgres]",
        "tests/api/test_a.py::test_two[a b: c]",
    }


def test_listed_tests_and_whole_families_are_slow_and_nothing_else() -> None:
    slow_ids = {"tests/api/test_a.py::test_one[postgres]"}
    assert is_slow("tests/api/test_a.py::test_one[postgres]", slow_ids)
    assert not is_slow("tests/api/test_a.py::test_one[sqlite]", slow_ids)
    assert is_slow("tests/property/test_random_specs.py::test_a_random_spec_runs", slow_ids)
    assert is_slow("tests/conformance/test_duckdb_postgres.py::test_x[case]", slow_ids)
    assert not is_slow("tests/conformance/test_oracle_golden.py::test_x[case]", slow_ids)
    assert all(family.startswith("tests/") for family in FAMILIES)


def test_the_list_holds_node_ids_of_test_modules() -> None:
    ids = listed()
    assert ids, "tests/slow_tests.txt is the measured list"
    assert all(n.startswith("tests/") and ".py::test_" in n for n in ids)
