"""Delivery: what a schedule or an alert produced, sent to people over channels.

A `Message` (backend.delivery.message) is built once per recipient, as that recipient's
row-level security allows, and handed to `deliver` (backend.delivery.outbox), which sends it
over the recipient's channel with retries, records the attempt in `deliveries` and audits it
(channel, recipient, source, status; never the data). Channels (email, webhook, in-app) share
the `Channel` protocol of backend.delivery.channels; the composition root registers them.

Sending happens in the ARQ worker (or the in-process runner without Redis), never on an API
request's path.
"""
