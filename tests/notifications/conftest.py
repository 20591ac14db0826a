"""A real SMTP server on loopback for the notifications' e-mail (aiosmtpd), started per test."""

import asyncio
import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.incidents.conftest import clock  # noqa: F401 - a fixture

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # the test runner puts its locmem one in


class Inbox:
    """What the SMTP server accepted: one parsed message per recipient. A message is accepted (and
    kept) only when the server answers 250 to its DATA, as SMTP says: if the client went away
    before, the message is dropped. `pause` holds each DATA this long first (so a test can kill a
    sender in the middle of one), and `in_data` is set while one is held."""

    def __init__(self):
        self.messages = []
        self.pause = 0.0
        self.in_data = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.pause:
            self.in_data.set()
            await asyncio.sleep(self.pause)
            self.in_data.clear()
            if server.transport is None or server.transport.is_closing():
                return "421 gone"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for to in envelope.rcpt_tos:
                self.messages.append((to, message))
        return "250 OK"

    def to(self, address):
        with self.lock:
            return [message for to, message in self.messages if to == address]

    def message_ids(self):
        with self.lock:
            return [message["Message-ID"] for _to, message in self.messages]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """(inbox, port): an SMTP server on 127.0.0.1 that the settings' e-mail goes to."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP_BACKEND, "127.0.0.1", port
    yield inbox, port
    controller.stop()
