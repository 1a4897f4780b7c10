"""The webhook channel: one signed JSON POST to a target an admin configured.

`Recipient.address` is the webhook's id. The URL is checked against WEBHOOK_ALLOWED_HOSTS
again and its host resolved (backend.delivery.allowed_hosts); the request goes to the
address that was checked, with the URL's host in `Host` and in TLS (SNI and the certificate
check), so a lookup answering differently the second time changes nothing. Redirects are not
followed: a 3xx could point anywhere. No proxy from the environment is used either.

What is retried is the Outbox's business; this says which failures are worth it: a timeout,
a refused connection, 5xx, 408 and 429 are; any other 4xx, a redirect, a host outside the
list, a missing webhook or an unreadable secret are not.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from backend.delivery.allowed_hosts import AllowedHosts, HostNotAllowed, Target
from backend.delivery.message import WEBHOOK, Message, Recipient, SendFailed
from backend.delivery.signing import HEADER, signature
from backend.delivery.webhook_formats import body_of
from backend.delivery.webhooks import SendTarget, Webhooks
from backend.errors import NotFound

RETRYABLE_4XX = frozenset({408, 429})
USER_AGENT = "Aurora-Webhook/1"


class WebhookChannel:
    name = WEBHOOK

    def __init__(self, webhooks: Webhooks, allowed: AllowedHosts, timeout_s: float) -> None:
        self._webhooks, self._allowed, self._timeout_s = webhooks, allowed, timeout_s
        # Made once: building a TLS context (the CA bundle read) costs more than a send.
        self._tls = httpx.create_ssl_context()

    async def send(self, recipient: Recipient, message: Message) -> None:
        target, secret = await asyncio.to_thread(self._target, recipient.address)
        pinned = await asyncio.to_thread(self._resolve, target.url)
        body = body_of(target.format, message)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            HEADER: signature(secret, int(time.time()), body),
        }
        response = await self._post(pinned, headers, body)
        _judge(response)

    def _target(self, webhook_id: str) -> tuple[SendTarget, str]:
        try:
            target = self._webhooks.target(webhook_id)
        except NotFound as exc:
            raise SendFailed(exc.message, retryable=False) from exc
        if target.secret is None:
            raise SendFailed(
                "The webhook's secret was sealed under another AURORA_SECRET_KEY; "
                "rotate its secret on the Webhooks page.",
                retryable=False,
            )
        return target, target.secret

    def _resolve(self, url: str) -> Target:
        try:
            return self._allowed.resolve(url)
        except HostNotAllowed as exc:
            raise SendFailed(exc.message, retryable=False) from exc

    async def _post(self, target: Target, headers: dict[str, str], body: bytes) -> httpx.Response:
        url = httpx.URL(target.url)
        extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
        headers = {**headers, "Host": url.netloc.decode("ascii")}
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout_s, verify=self._tls, follow_redirects=False, trust_env=False
            ) as client:
                return await client.post(
                    url.copy_with(host=target.address),
                    content=body,
                    headers=headers,
                    extensions=extensions,
                )
        except httpx.TimeoutException as exc:
            raise SendFailed(f"The webhook did not answer within {self._timeout_s:g} s.") from exc
        except httpx.HTTPError as exc:
            raise SendFailed(f"The webhook could not be reached: {type(exc).__name__}.") from exc


def _judge(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    said = response.text[:200].strip()
    reason = f"The webhook answered {status}" + (f": {said}" if said else "")
    if 300 <= status < 400:
        raise SendFailed(f"{reason} (a redirect, which is not followed).", retryable=False)
    raise SendFailed(reason, retryable=status >= 500 or status in RETRYABLE_4XX)
