"""Residents' private links, stated once for everything a resident sends with no account (a report,
a proposal for consultation), and what a retry must match.

The link's secret is made on the phone with the `client_id` and sent with it; the server keeps only
its digest, so nobody who reads the database (or its admin pages) can rebuild a link. A retry
carries the same secret and is answered with the same link; a sending without one (a script) is
given a random secret, told once in the first answer."""

import hashlib
import secrets

from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError

SECRET_PATTERN = r"^[A-Za-z0-9_-]{22,64}$"  # at least 128 bits, URL-safe


def new_secret():
    return secrets.token_urlsafe(16)  # 22 characters, 128 bits


def digest_of(secret):
    """What is stored of a secret, and looked up by."""
    return hashlib.sha256((secret or "").encode()).hexdigest()


def same_sending(existing, fingerprint, secret):
    """`existing` when a retry carries the same content and the same link secret as the first sending
    under its client_id; else 409 naming the client_id. A retry without the secret gets no link."""
    if existing.fingerprint != fingerprint:
        raise Conflict(
            _("Something else was already sent with this client_id."), field="client_id", code="client_id_reused"
        )
    if secret and digest_of(secret) != existing.secret_digest:
        raise GovgridError(_("This is not the secret it was sent with."), field="secret")
    return existing
