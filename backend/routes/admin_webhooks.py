"""Admin: webhook targets that schedules and alerts deliver to.

The URL's host must be in WEBHOOK_ALLOWED_HOSTS (422 `host_not_allowed` otherwise). The
signing secret is made by the server and shown once, in the create (and rotate) response;
no other response holds it. `POST /{id}/test` sends a test message through the Outbox now,
from this request, and answers its outcome: the one send the API makes itself, because the
admin is waiting to see whether the target works. It retries without pauses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.delivery.message import WEBHOOK, Message, Recipient
from backend.delivery.outbox import Source
from backend.delivery.webhooks import WebhookInfo
from backend.deps import AdminUser, OutboxDep, WebhooksDep, require_admin

router = APIRouter(prefix="/admin/webhooks", tags=["admin"], dependencies=[Depends(require_admin)])

WebhookId = Annotated[str, Path(min_length=1, max_length=32)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Url = Annotated[str, Field(min_length=1, max_length=2048)]
Format = Literal["slack", "teams", "generic"]
TEST_BACKOFF_S = (0.0,)


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    url: Url
    format: Format = "generic"


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    url: Url | None = None
    format: Format | None = None


class WebhookOut(BaseModel):
    id: str
    name: str
    url: str
    format: str
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, info: WebhookInfo) -> WebhookOut:
        return cls(**dataclasses.asdict(info))


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret, shown this once")


class TestOutcome(BaseModel):
    delivery_id: str
    status: str
    attempts: int
    error: str | None


def _created(info: WebhookInfo, secret: str) -> WebhookCreated:
    return WebhookCreated(**dataclasses.asdict(info), secret=secret)


def _detail(info: WebhookInfo) -> dict[str, str]:
    return {"webhook_id": info.id, "name": info.name, "url": info.url, "format": info.format}


@router.get("", response_model=list[WebhookOut])
def list_webhooks(webhooks: WebhooksDep) -> list[WebhookOut]:
    return [WebhookOut.of(info) for info in webhooks.all()]


@router.post("", response_model=WebhookCreated, status_code=201)
def create_webhook(
    body: WebhookIn, admin: AdminUser, webhooks: WebhooksDep, request: Request
) -> WebhookCreated:
    info, secret = webhooks.create(body.name, body.url, body.format, admin.id)
    audit.record("webhook.create", user=admin, request=request, detail=_detail(info))
    return _created(info, secret)


@router.get("/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: WebhookId, webhooks: WebhooksDep) -> WebhookOut:
    return WebhookOut.of(webhooks.get(webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookOut)
def change_webhook(
    webhook_id: WebhookId,
    body: WebhookPatch,
    admin: AdminUser,
    webhooks: WebhooksDep,
    request: Request,
) -> WebhookOut:
    info = webhooks.update(webhook_id, name=body.name, url=body.url, format=body.format)
    audit.record("webhook.update", user=admin, request=request, detail=_detail(info))
    return WebhookOut.of(info)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(
    webhook_id: WebhookId, admin: AdminUser, webhooks: WebhooksDep, request: Request
) -> Response:
    webhooks.delete(webhook_id)
    audit.record("webhook.delete", user=admin, request=request, detail={"webhook_id": webhook_id})
    return Response(status_code=204)


@router.post("/{webhook_id}/secret", response_model=WebhookCreated)
def rotate_secret(
    webhook_id: WebhookId, admin: AdminUser, webhooks: WebhooksDep, request: Request
) -> WebhookCreated:
    info, secret = webhooks.rotate_secret(webhook_id)
    audit.record("webhook.rotate_secret", user=admin, request=request, detail=_detail(info))
    return _created(info, secret)


@router.post("/{webhook_id}/test", response_model=TestOutcome)
async def test_webhook(
    webhook_id: WebhookId, admin: AdminUser, webhooks: WebhooksDep, outbox: OutboxDep
) -> TestOutcome:
    info = webhooks.get(webhook_id)  # 404 before anything is recorded
    message = Message(
        subject="Aurora test message",
        text=f"{admin.username} sent this test from Aurora: the webhook {info.name} works.",
        facts={"webhook": info.name, "sent_by": admin.username, "test": True},
    )
    quick = dataclasses.replace(outbox, backoff_s=TEST_BACKOFF_S)
    outcome = await quick.deliver(
        Source("test", info.id, admin), Recipient(WEBHOOK, info.id), message
    )
    return TestOutcome(**dataclasses.asdict(outcome))
