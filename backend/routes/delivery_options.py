"""What the schedule form offers for delivery: the active users one may deliver to (by
name), the channels this server sends over, whether outside addresses are allowed, and the
webhooks an admin configured (by id and name: their addresses stay with the admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from backend.delivery.webhook_table import WebhookRow
from backend.deps import AuthDep, SettingsDep, require_user
from backend.store.models import UserRow

router = APIRouter(prefix="/delivery", tags=["delivery"], dependencies=[Depends(require_user)])


class WebhookChoice(BaseModel):
    id: str
    name: str


class DeliveryOptions(BaseModel):
    users: list[str] = Field(description="Active users' names, for the recipients' list")
    channels: list[str] = Field(description="email (when SMTP_HOST is set) and in_app")
    outside_emails: bool = Field(description="Whether outside addresses may be given")
    webhooks: list[WebhookChoice] = Field(
        description="The admin's webhook targets one may deliver to (ids for `webhooks`)"
    )


@router.get("/options", response_model=DeliveryOptions)
def delivery_options(auth: AuthDep, settings: SettingsDep) -> DeliveryOptions:
    query = select(UserRow.username).where(UserRow.active.is_(True)).order_by(UserRow.username)
    with auth.store.session() as session:
        names = list(session.scalars(query))
        hooks = session.execute(
            select(WebhookRow.id, WebhookRow.name).order_by(
                func.lower(WebhookRow.name), WebhookRow.id
            )
        ).tuples()
        webhooks = [WebhookChoice(id=hook_id, name=name) for hook_id, name in hooks]
    channels = ["email", "in_app"] if settings.smtp_host else ["in_app"]
    return DeliveryOptions(
        users=names,
        channels=channels,
        outside_emails=settings.delivery_outside_emails,
        webhooks=webhooks,
    )
