"""The channels this process can send over, built from the settings. A new channel adds
itself here."""

from __future__ import annotations

from backend.config import Settings
from backend.delivery.channels import Channels
from backend.delivery.email import EmailChannel, SmtpConfig
from backend.delivery.in_app import InAppChannel
from backend.delivery.webhook import WebhookChannel
from backend.delivery.webhooks import Webhooks
from backend.store.engine import Store


def build_channels(settings: Settings, store: Store) -> Channels:
    channels = Channels([InAppChannel(store)])
    if settings.smtp_host:  # without a mail server, email is not offered at all
        channels.register(EmailChannel(SmtpConfig.of(settings)))
    if settings.webhook_allowed_hosts.strip():  # an empty allow-list allows no webhook
        webhooks = Webhooks.of(settings, store)
        channels.register(WebhookChannel(webhooks, webhooks.allowed, settings.webhook_timeout_s))
    return channels
