"""The UI mix's targets (issue 24), each against what the run measured: one row a target.

Two of them are about the sign-in burst: every user arriving signs in (200 over 30 s in the
full mix), and while those sign-ins are still being answered, the users already in keep their
page targets. "Meanwhile" is from the start until the last sign-in was answered (at least
the arrival window). A timeline entry is (seconds since the start when it was answered,
action, ms, ok); an unanswered action is in it as not ok.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Entry = tuple[float, str, float, bool]

PAGE_TARGETS_MS = {"open dataset": 1500.0, "next page": 500.0, "sort": 500.0}


def p95(values: Sequence[float]) -> float | None:
    """
    >>> p95([]) is None, p95([5.0]), p95([float(i) for i in range(1, 101)])
    (True, 5.0, 96.0)
    """
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else None


def signed_in_by(timeline: Iterable[Entry], ramp_s: float) -> float:
    """When the last sign-in was answered (ok or not), and never before the arrivals end."""
    return max([ramp_s, *(t for t, name, _, _ in timeline if name == "login")])


def _ms(value: float | None) -> str:
    return "none" if value is None else f"{value:,.0f} ms"


def _page_rows(timeline: list[Entry], until: float | None) -> list[list[object]]:
    rows: list[list[object]] = []
    for action, target in PAGE_TARGETS_MS.items():
        took = [ms for t, n, ms, _ in timeline if n == action and (until is None or t <= until)]
        found = p95(took)
        when = "while sign-ins go on" if until is not None else "the whole run"
        met = "yes" if found is not None and found <= target else "no"
        rows.append([f"{action} p95 <= {target:,.0f} ms, {when}", _ms(found), len(took), met])
    return rows


def target_rows(timeline: list[Entry], ramp_s: float) -> list[list[object]]:
    """
    >>> line = [(1.0, "connect", 300, True), (3.0, "login", 2000, True),
    ...         (4.0, "next page", 200, True), (31.0, "login", 30000, False),
    ...         (40.0, "next page", 900, True), (41.0, "connect", 10000, False)]
    >>> for row in target_rows(line, 30.0): print(row)
    ['connections (10 s connect timeout): 0 failed', '1 failed', 2, 'no']
    ['sign-ins while users arrive: all succeed', '1 of 2, the last answered at 31 s', 2, 'no']
    ['open dataset p95 <= 1,500 ms, while sign-ins go on', 'none', 0, 'no']
    ['next page p95 <= 500 ms, while sign-ins go on', '200 ms', 1, 'yes']
    ['sort p95 <= 500 ms, while sign-ins go on', 'none', 0, 'no']
    ['open dataset p95 <= 1,500 ms, the whole run', 'none', 0, 'no']
    ['next page p95 <= 500 ms, the whole run', '900 ms', 2, 'no']
    ['sort p95 <= 500 ms, the whole run', 'none', 0, 'no']
    ['0 unanswered actions', '2', 6, 'no']
    """
    connects = [ok for _, n, _, ok in timeline if n == "connect"]
    logins = [ok for _, n, _, ok in timeline if n == "login"]
    ended = signed_in_by(timeline, ramp_s)
    failed = sum(not ok for *_, ok in timeline)
    return [
        [
            "connections (10 s connect timeout): 0 failed",
            f"{connects.count(False)} failed",
            len(connects),
            "yes" if connects and all(connects) else "no",
        ],
        [
            "sign-ins while users arrive: all succeed",
            f"{logins.count(True)} of {len(logins)}, the last answered at {ended:.0f} s",
            len(logins),
            "yes" if logins and all(logins) else "no",
        ],
        *_page_rows(timeline, ended),
        *_page_rows(timeline, None),
        ["0 unanswered actions", str(failed), len(timeline), "yes" if not failed else "no"],
    ]
