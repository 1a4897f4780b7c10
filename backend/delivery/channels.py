"""The channel protocol and the registry the composition root fills."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from backend.delivery.message import Message, Recipient, SendFailed


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    async def send(self, recipient: Recipient, message: Message) -> None:
        """Send or raise SendFailed; anything else raised counts as a retryable failure."""


class Channels:
    def __init__(self, channels: Iterable[Channel] = ()) -> None:
        self._by_name: dict[str, Channel] = {}
        for channel in channels:
            self.register(channel)

    def register(self, channel: Channel) -> None:
        self._by_name[channel.name] = channel

    def get(self, name: str) -> Channel:
        try:
            return self._by_name[name]
        except KeyError:
            raise SendFailed(f"channel {name!r} is not configured", retryable=False) from None

    def names(self) -> list[str]:
        return sorted(self._by_name)
