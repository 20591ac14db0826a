"""A resident proposes an issue for consultation from the resident page, with no account.

As residents' reports do (residents.intake): the phone makes a `client_id`, a retry with the same
content gets the same item back (and the same private link), other content under that id is refused;
the QR code must be live; every new proposal counts against the device's and the address's
throttles (residents.throttle) after retries are recognised and before anything is written. The
item belongs to the community of the code's place (a grid's community, a station's).

The private link is residents.links' (its secret made on the resident's side, only its digest
stored); it lets the proposer follow the item and evaluate the result, once.
"""

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.errors import Unprocessable
from grids.models import Level
from residents import links, senders
from residents.intake import live_code, place_area

from .models import Item
from .services import checked_proposal, raise_item

NOT_FOUND = gettext_lazy("No proposal has this link. Check that the whole address was copied.")


def community_of(area):
    """The community an area is in (itself for a community); None above communities."""
    if area.level == Level.COMMUNITY:
        return area
    if area.level == Level.GRID:
        return area.parent
    return None


def _fingerprint(client_id, title, description, name, phone):
    content = {"client_id": str(client_id), "title": title, "description": description, "name": name, "phone": phone}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def receive(token, client_id, title, description="", name="", phone="", device="", address=None, secret=""):
    """(item, created, secret or "" for a retry that carried none): `secret` is the private link's,
    made on the resident's side (residents.links), one made here if empty. Refuses with a
    GovgridError naming the field before writing anything."""
    title, description, name, phone = checked_proposal(title, description, name, phone)
    fingerprint = _fingerprint(client_id, title, description, name, phone)
    existing = Item.objects.filter(client_id=client_id).first()
    if existing is not None:
        return links.same_sending(existing, fingerprint, secret), False, secret
    sent_secret, secret = secret, secret or links.new_secret()
    code = live_code(token)
    community = community_of(place_area(code))
    if community is None:
        raise Unprocessable(_("This QR code is not of a community or a grid."), field="place")
    senders.count(
        "consult", device, address, settings.CONSULTATION_PROPOSALS_PER_DEVICE,
        settings.CONSULTATION_PROPOSALS_PER_ADDRESS, settings.CONSULTATION_WINDOW_MINUTES,
    )  # fmt: skip
    try:
        with transaction.atomic():
            item = raise_item(
                community, None, title=title, description=description, proposer_name=name, proposer_phone=phone,
                proposed_by_resident=True, participants=["residents"], client_id=client_id,
                fingerprint=fingerprint, secret_digest=links.digest_of(secret), device=device,
            )  # fmt: skip
    except IntegrityError:  # the same proposal arrived twice at once: the other copy won
        existing = Item.objects.filter(client_id=client_id).first()
        if existing is None:
            raise
        return links.same_sending(existing, fingerprint, sent_secret), False, sent_secret
    return item, True, secret


def by_secret(secret):
    return Item.objects.select_related("community").filter(secret_digest=links.digest_of(secret or "")).first()


def public_view(item):
    """What the proposer sees by the private link: the item's stages and outcome, no staff names."""
    return {
        "title": item.title,
        "description": item.description,
        "community": item.community.name,
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "stages": [
            {
                "name": stage["name"],
                "kind": stage["kind"],
                "done": i < item.stage or item.status == Item.Status.SOLVED,
                "current": i == item.stage,
            }
            for i, stage in enumerate(item.stages)
        ],  # fmt: skip
        "decision": item.decision,
        "dropped_reason": item.dropped_reason,
        "proposed_at": item.proposed_at,
        "may_evaluate": item.status != Item.Status.DROPPED
        and item.kind == "evaluation"
        and not item.evaluations.filter(by="resident").exists(),
        "rating": next((e.rating for e in item.evaluations.all() if e.by == "resident"), None),
    }
