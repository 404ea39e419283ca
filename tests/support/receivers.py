"""Real receivers for alert deliveries, on 127.0.0.1: an SMTP server (aiosmtpd) and a webhook
receiver (http.server), each started by the test that needs it and stopped after."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    """An SMTP server on 127.0.0.1; its port and mailbox."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


@dataclass
class Hooks:
    """What the webhook receiver got, and how it answers (`status`)."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, Hooks]]:
    """A webhook receiver on 127.0.0.1; its URL and what it received."""
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with hooks.lock:
                status = hooks.status
                if status < 300:
                    hooks.calls.append(
                        {"headers": dict(self.headers), "body": body, "json": json.loads(body)}
                    )
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", hooks
    finally:
        server.shutdown()
        server.server_close()
