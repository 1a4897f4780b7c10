"""The in-app channel: a notification row for an Aurora user, read from the navigation
bar's notifications menu."""

from __future__ import annotations

import asyncio

from backend.delivery.message import IN_APP, Message, Recipient, SendFailed
from backend.delivery.tables import NotificationRow
from backend.store.engine import Store


class InAppChannel:
    name = IN_APP

    def __init__(self, store: Store) -> None:
        self._store = store

    async def send(self, recipient: Recipient, message: Message) -> None:
        if recipient.user_id is None:
            raise SendFailed("in-app notifications go to Aurora users only", retryable=False)
        await asyncio.to_thread(self._insert, recipient.user_id, message)

    def _insert(self, user_id: int, message: Message) -> None:
        with self._store.session() as session:
            session.add(
                NotificationRow(
                    user_id=user_id,
                    title=message.subject[:255],
                    body=message.text,
                    link=message.link,
                )
            )
