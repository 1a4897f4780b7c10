"""Every dependency a route declares, in one place: the caller, the settings, and the parts
the composition root (`backend.wiring.AppContext`) built for the running app.

    def handler(user: CurrentUser, queries: QueriesDep) -> ...

Routes import their dependencies from here only. A new part: build it in `AppContext.open`,
add a getter and an `Annotated` alias below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request

from backend.aggrid.service import AgGridService
from backend.alerts.store import Alerts, DeliveryRules
from backend.alerts.ticker import data_versions
from backend.ask.llm import ModelConfig, ModelEngine
from backend.ask.service import AskService
from backend.config import Settings
from backend.dashboards import store as dashboard_store
from backend.dashboards.answers import TileAnswers
from backend.dashboards.models import DashboardIn
from backend.dashboards.views import DashboardViews
from backend.datasets_admin.service import DatasetAdmin
from backend.delivery.notifications import Notifications
from backend.delivery.outbox import Outbox
from backend.delivery.recipients import RecipientRules
from backend.delivery.webhooks import Webhooks
from backend.jobs.quotas import Quotas
from backend.jobs.schedules import Schedules
from backend.jobs.service import ExportService
from backend.materialize.service import Materializations
from backend.metrics import Metrics
from backend.query.spec import QuerySpec
from backend.security.context import AuthContext, auth_of
from backend.security.deps import require_admin as require_admin
from backend.security.deps import require_ingest as require_ingest
from backend.security.deps import require_user as require_user
from backend.security.principal import User
from backend.services.offload import in_pool
from backend.services.queries import QueryService
from backend.wiring import AppContext, Services

# -- the caller (the gate checked it before the body was read) ------------------------------

CurrentUser = Annotated[User, Depends(require_user)]
AdminUser = Annotated[User, Depends(require_admin)]
IngestUser = Annotated[User, Depends(require_ingest)]  # an admin or the ingest role


# -- the app and its parts ---------------------------------------------------------------


async def get_settings_of(request: Request) -> Settings:
    """The settings the app was created with (`create_app(settings)`)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


# The getters above and below that only read the app's state are `async def`: FastAPI runs a
# plain `def` dependency in a worker thread, a hop that costs more than the lookup itself
# and is paid per dependency per request (a tenth of a cached dashboard tile's CPU).
SettingsDep = Annotated[Settings, Depends(get_settings_of)]
ContextDep = Annotated[AppContext, Depends(get_context)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


async def get_auth(request: Request) -> AuthContext:
    return auth_of(request.app)


async def get_services(context: ContextDep) -> Services:
    return context.services


async def get_queries(context: ContextDep) -> QueryService:
    return context.services.queries


def get_exports(context: ContextDep) -> ExportService:
    return context.exports


def get_aggrid(context: ContextDep) -> AgGridService:
    assert context.aggrid is not None, "the API's context always has one"
    return context.aggrid


def get_dataset_admin(context: ContextDep) -> DatasetAdmin:
    return context.services.datasets


def get_materializations(context: ContextDep) -> Materializations:
    return context.services.materialized


AuthDep = Annotated[AuthContext, Depends(get_auth)]
ServicesDep = Annotated[Services, Depends(get_services)]
QueriesDep = Annotated[QueryService, Depends(get_queries)]
ExportsDep = Annotated[ExportService, Depends(get_exports)]
AgGridDep = Annotated[AgGridService, Depends(get_aggrid)]
DatasetAdminDep = Annotated[DatasetAdmin, Depends(get_dataset_admin)]
MaterializationsDep = Annotated[Materializations, Depends(get_materializations)]


def get_ask(request: Request, queries: QueriesDep, settings: SettingsDep) -> AskService:
    """One per app (it keeps the values it read per caller scope), over the app's queries;
    with the model engine when AURORA_LLM_URL and AURORA_LLM_MODEL are set."""
    service: AskService | None = getattr(request.app.state, "ask_service", None)
    if service is None or service.queries is not queries:
        model = ModelEngine(ModelConfig.of(settings))
        service = request.app.state.ask_service = AskService(queries, model=model)
    return service


AskDep = Annotated[AskService, Depends(get_ask)]


# -- per-request views for the caller ------------------------------------------------------

SpecValidator = Callable[[QuerySpec, User], None]
"""Checks a spec against the current catalog as `user` sees it; raises InvalidQuery."""


def get_spec_validator(queries: QueriesDep) -> SpecValidator:
    """A spec is valid when it compiles against the catalog as the user sees it."""

    def validate(spec: QuerySpec, user: User) -> None:
        in_pool(queries.compile, spec, user)

    return validate


SpecValidatorDep = Annotated[SpecValidator, Depends(get_spec_validator)]


def get_hidden_datasets(services: ServicesDep, user: CurrentUser) -> frozenset[str]:
    """Keys of the datasets the caller may not see (`AccessPolicy.hidden_from`)."""
    return services.policy.hidden_from(user)


HiddenDatasets = Annotated[frozenset[str], Depends(get_hidden_datasets)]


def get_visible_dashboard(
    dashboard_id: Annotated[str, Path(max_length=32)],
    user: CurrentUser,
    auth: AuthDep,
    hidden: HiddenDatasets,
) -> DashboardIn:
    """The dashboard's document, or 404 when the caller may not see it (theirs or shared, and
    every dataset in it visible to them), like a missing id."""
    with auth.store.session() as session:
        return dashboard_store.visible(session, dashboard_id, user, hidden).doc


VisibleDashboard = Annotated[DashboardIn, Depends(get_visible_dashboard)]


def get_tile_dashboard(
    dashboard_id: Annotated[str, Path(max_length=32)],
    request: Request,
    user: CurrentUser,
    auth: AuthDep,
    services: ServicesDep,
) -> DashboardIn:
    """`VisibleDashboard` for the tile routes, asked once per tile: the same rule on the
    store's current row, in one worker thread, the document kept per saved version
    (backend.dashboards.views) rather than read and validated again for every tile."""
    views: DashboardViews | None = getattr(request.app.state, "dashboard_views", None)
    if views is None:
        views = request.app.state.dashboard_views = DashboardViews()
    hidden = services.policy.hidden_from(user)
    with auth.store.session() as session:
        return views.visible(session, dashboard_id, user, hidden).doc


TileDashboard = Annotated[DashboardIn, Depends(get_tile_dashboard)]


async def get_tile_answers(request: Request, settings: SettingsDep) -> TileAnswers:
    """One per app: tile responses kept encoded (backend.dashboards.answers)."""
    answers: TileAnswers | None = getattr(request.app.state, "tile_answers", None)
    if answers is None:
        answers = request.app.state.tile_answers = TileAnswers(settings)
    return answers


TileAnswersDep = Annotated[TileAnswers, Depends(get_tile_answers)]


def get_schedules(
    auth: AuthDep, hidden: HiddenDatasets, settings: SettingsDep, services: ServicesDep
) -> Schedules:
    rules = RecipientRules(settings, services.policy)  # who a schedule may be delivered to
    return Schedules(auth.store, hidden, Quotas.of(settings), rules.check)


SchedulesDep = Annotated[Schedules, Depends(get_schedules)]


def get_alerts(
    auth: AuthDep, hidden: HiddenDatasets, queries: QueriesDep, settings: SettingsDep
) -> Alerts:
    """The caller's alerts; versions and compiles are the query service's, as a check sees."""
    versions = functools.partial(data_versions, queries.catalog)
    rules = DeliveryRules(
        settings.delivery_outside_emails, bool(settings.smtp_host), queries.policy.hidden_from
    )
    return Alerts(auth.store, hidden, versions, queries.compile, rules)


AlertsDep = Annotated[Alerts, Depends(get_alerts)]


def get_outbox(context: ContextDep) -> Outbox:
    return context.outbox


def get_webhooks(context: ContextDep) -> Webhooks:
    return Webhooks.of(context.settings, context.store)


def get_notifications(context: ContextDep) -> Notifications:
    return Notifications(context.store)


OutboxDep = Annotated[Outbox, Depends(get_outbox)]
WebhooksDep = Annotated[Webhooks, Depends(get_webhooks)]
NotificationsDep = Annotated[Notifications, Depends(get_notifications)]
