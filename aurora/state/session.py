"""Sign-out and session end: nothing of the last user's work stays in the browser session.

Every page's state is reset (lists, previews, pivot rows, admin forms), so another user who
signs in on the same tab starts clean.
"""

from __future__ import annotations

from typing import Any


async def forget_all(state: Any) -> None:
    from aurora.state.admin_audit import AdminAuditState
    from aurora.state.admin_datasets import AdminDatasetsState
    from aurora.state.admin_people import AdminKeysState, AdminUsersState
    from aurora.state.aggregate import AggregateState
    from aurora.state.calculated import CalcState
    from aurora.state.chart import ChartState
    from aurora.state.explorer import ExplorerState
    from aurora.state.export import ExportState
    from aurora.state.filter_editor import FilterState
    from aurora.state.join import JoinState
    from aurora.state.pivot import PivotState
    from aurora.state.reports import ReportListState, SaveReportState
    from aurora.state.schedules import ScheduleState

    explorer = await state.get_state(ExplorerState)
    explorer._forget_everything()
    for cls in (
        AdminAuditState,
        AdminDatasetsState,
        AdminKeysState,
        AdminUsersState,
        AggregateState,
        CalcState,
        ExportState,
        FilterState,
        JoinState,
        PivotState,
        ReportListState,
        SaveReportState,
        ScheduleState,
    ):
        (await state.get_state(cls)).reset()
    (await state.get_state(ChartState)).reset()
