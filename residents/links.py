"""Residents' private links, stated once for everything a resident sends with no account (a report,
a proposal for consultation): the link's secret is derived from the `client_id` the phone made,
with the server's key and the kind of thing it opens, so a retry of the same sending is answered
with the same link although only the secret's digest is stored; and what a retry must match."""

import hashlib
import hmac
from base64 import urlsafe_b64encode

from django.conf import settings
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict

REPORT = b"resident-report:"
CONSULTATION = b"consultation:"


def secret_of(client_id, kind=REPORT):
    """The private link's secret of what was sent under this client_id (132 bits, URL-safe)."""
    mac = hmac.new(settings.SECRET_KEY.encode(), kind + str(client_id).encode(), hashlib.sha256)
    return urlsafe_b64encode(mac.digest()).decode()[:22]


def digest_of(secret):
    """What is stored of a secret, and looked up by."""
    return hashlib.sha256((secret or "").encode()).hexdigest()


def same_sending(existing, fingerprint):
    """`existing` when a retry carries the same content as the first sending under its client_id;
    else 409 naming the client_id (another sending under an id already used)."""
    if existing.fingerprint != fingerprint:
        raise Conflict(
            _("Something else was already sent with this client_id."), field="client_id", code="client_id_reused"
        )
    return existing
