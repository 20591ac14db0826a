"""How a delivery reaches its channel. A backend is a class with `send(delivery, title, body, message_id)`
that returns when the channel accepted the message and raises on failure (the worker then tries again
later). Settings choose one per channel (NOTIFY_BACKENDS):

- EmailBackend: Django's e-mail (EMAIL_HOST, EMAIL_PORT, ... of the settings), with a Message-ID that
  is the same on every attempt, so a message sent again after a crash is known as the same message.
- SpoolBackend: appends the message as a JSON line to var/outbox/<channel>.jsonl, where an SMS or
  WeChat gateway (or a person) picks it up; the default for SMS and WeChat until a provider's
  backend is written against this interface.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.module_loading import import_string


class Backend:
    def send(self, delivery, title, body, message_id):
        raise NotImplementedError


class EmailBackend(Backend):
    def send(self, delivery, title, body, message_id):
        message = EmailMessage(
            subject=title,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
            headers={"Message-ID": message_id},
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        message.send(fail_silently=False)


class SpoolBackend(Backend):
    def send(self, delivery, title, body, message_id):
        folder = Path(settings.NOTIFY_SPOOL_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        line = {
            "message_id": message_id,
            "to": delivery.address,
            "title": title,
            "body": body,
            "at": timezone.now().isoformat(),
        }
        with open(folder / f"{delivery.channel}.jsonl", "a", encoding="utf-8") as spool:
            spool.write(json.dumps(line, ensure_ascii=False) + "\n")


_backends = {}


def backend_for(channel):
    if channel not in _backends:
        _backends[channel] = import_string(settings.NOTIFY_BACKENDS[channel])()
    return _backends[channel]
