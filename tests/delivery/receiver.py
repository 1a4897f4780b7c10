"""A real HTTP server on 127.0.0.1 for webhook tests: it records each request (headers and
raw body) and answers the statuses it was given, in turn (the last one repeats)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POLL_S = 0.01


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    statuses: list[int]
    delay_s: list[float] = field(default_factory=list)
    location: str = ""
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self) -> tuple[int, float]:
        n = len(self.received)
        status = self.statuses[min(n - 1, len(self.statuses) - 1)]
        delay = self.delay_s[n - 1] if n - 1 < len(self.delay_s) else 0.0
        return status, delay


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.received.append(Received(self.path, headers, body))
            status, delay = receiver.answer()
            time.sleep(delay)
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def receiving(statuses: list[int], **options: object) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver(0, [])))
    receiver = Receiver(int(server.server_address[1]), statuses, **options)  # type: ignore[arg-type]
    server.RequestHandlerClass = _handler(receiver)
    # shutdown() waits for serve_forever to look at its flag, every poll_interval (0.5 s by
    # default): half a second at the end of every test that received a webhook.
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
