"""The words of a notification, rendered when it is read or sent (in the reader's language for the
in-app list, in the site's for e-mail and SMS). The app that queues a kind of notification registers
how to say it: `renders("case")` for every kind "case:…"; this app knows none of them itself."""

from django.utils.translation import gettext as _

RENDERERS = {}


def renders(prefix):
    """Register a function notification → (title, body) for the kinds "<prefix>:…"."""

    def register(function):
        RENDERERS[prefix] = function
        return function

    return register


def render(notification):
    prefix = notification.kind.split(":", 1)[0]
    renderer = RENDERERS.get(prefix)
    if renderer is None:
        return notification.kind, ""
    return renderer(notification)


def unknown_kind(notification):
    return _("Notification"), notification.kind
