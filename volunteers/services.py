"""Every change of a service request, each in one place: atomic, the request's row locked, so two
people acting on one request at once never both succeed (the second reads the row after the first
commits and is refused with 409), and each writes its RequestStep in the same transaction.

| action    | from                  | to        | who                                                      |
|-----------|-----------------------|-----------|----------------------------------------------------------|
| ask       | —                     | asked     | a resident (volunteers.asking); a grid worker or staff for one |
| accept    | asked                 | offered   | community staff: offered at once (volunteers.offers)      |
| refuse    | asked                 | refused   | community staff, with a reason the resident reads         |
| make_case | asked                 | case      | community staff: a governance problem, through intake     |
| widen     | offered               | offered   | the sweep, after VOLUNTEER_WIDEN_HOURS unclaimed          |
| escalate  | offered               | offered   | the sweep (VOLUNTEER_ESCALATE_HOURS), or nobody to offer  |
| assign    | offered               | claimed   | community staff, to a person serving in the community     |
| claim     | offered               | claimed   | a person it is offered to: the first claim wins           |
| give_back | claimed               | offered   | its volunteer, with a reason: offered again to the others |
| done      | claimed               | done      | its volunteer: minutes spent, what was done               |
| confirm   | done                  | confirmed | the resident or staff for them (rated); the sweep (unrated) |
| cancel    | asked/offered/claimed | cancelled | staff; the resident before it is claimed                  |

Staff actions carry the version the user read (409 `stale` otherwise), as cases do; a volunteer's
claim, giving back and done are idempotent where a phone may send them twice (a claim by the one
who holds it, done already recorded by them, answer as done). The sweep confirms, unrated, what
nobody confirmed in VOLUNTEER_CONFIRM_DAYS. Confirmation credits the ledger
(volunteers.ledger.credit_service).
"""

import re
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Area, HouseholdLink, Level, Person
from grids.models.people import in_force
from grids.scopes import Forbidden, Scope
from incidents.photos import check_photo
from residents.intake import TRACKING_ALPHABET

from . import kinds, ledger, offers, telling
from .duties import serving_in
from .models import RequestPhoto, RequestStep, ServiceRequest

Status, Action, Tier = ServiceRequest.Status, RequestStep.Action, ServiceRequest.Tier
MADE_CASES = uuid.UUID("3b4f6c1e-8d0a-4f5e-b7a2-9c1d2e3f4a5b")  # namespace of the cases requests become
PHONE = re.compile(r"^[0-9+\- ]{5,20}$")
CANCELLABLE = (Status.ASKED, Status.OFFERED, Status.CLAIMED)
MAX_MINUTES = 24 * 60
MAX_PHOTOS = 3  # photos of a service done


# --- asking ----------------------------------------------------------------------------------------


def new_tracking_code():
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"F{raw[:3]}-{raw[3:]}"  # F: a service (服务), told apart from a report's code on the phone


def checked_fields(community, kind, description, for_whom, place="", wanted_from=None, wanted_until=None,
                   contact_name="", contact_phone="", phone_required=False, now=None):  # fmt: skip
    """The fields of a request as stored, when they make one in this community; else a GovgridError
    naming the field and why."""
    now = now or timezone.now()
    if kind not in kinds.offered_in(community.code):
        raise GovgridError(_("Choose the kind of service from the list."), field="kind")
    if for_whom not in kinds.FOR_WHOM:
        raise GovgridError(_("Say who the service is for."), field="for_whom")
    checked = {
        "kind": kind,
        "for_whom": for_whom,
        "description": checked_text(description, "description", 2000, _("Say what help is needed.")),
        "place": checked_text(place, "place", 200),
        "contact_name": checked_text(contact_name, "contact_name", 50),
        "contact_phone": (contact_phone or "").strip(),
    }
    if checked["contact_phone"] and not PHONE.match(checked["contact_phone"]):
        raise GovgridError(_("Write the phone number with digits only."), field="contact_phone")
    if phone_required and not checked["contact_phone"]:
        raise GovgridError(_("Leave a phone number: the volunteer calls before coming."), field="contact_phone")
    if wanted_from and wanted_until and wanted_until <= wanted_from:
        raise GovgridError(_("The end of the time wanted comes after its start."), field="wanted_until")
    if wanted_until and wanted_until < now:
        raise GovgridError(_("The time wanted is already past."), field="wanted_until")
    if wanted_from and wanted_from > now + timedelta(days=90):
        raise GovgridError(_("Ask at most 90 days ahead."), field="wanted_from")
    return checked | {"wanted_from": wanted_from, "wanted_until": wanted_until}


def grid_of(community, point=None, grid_code=""):
    """The request's grid: the one named (in the community), else the one at the point (it must be in
    the community), else none (the request is the community's)."""
    if grid_code:
        grid = Area.objects.filter(code=grid_code, level=Level.GRID, parent=community).first()
        if grid is None:
            raise GovgridError(_("Choose a grid of %(name)s.") % {"name": community.name}, field="grid")
        return grid
    if point is not None:
        grid = Area.objects.grid_at(point)
        if grid is None or grid.parent_id != community.pk:
            raise GovgridError(
                _("The place is outside %(name)s: move the pin into the community.") % {"name": community.name},
                field="location",
            )
        return grid
    return None


def write_new(request):
    """Save a new request (numbered, with its first step, its staff told), in one transaction; a
    request already saved under its client_id (the same sending twice at once) is returned instead,
    with False."""
    for _attempt in range(5):  # a tracking code already taken (one in 10^12): draw another
        request.tracking_code = new_tracking_code()
        try:
            with transaction.atomic():
                request.save()
                RequestStep.objects.create(
                    request=request, action=Action.ASK, at=request.asked_at, actor=request.asked_by,
                    by_resident=request.asked_by is None,
                )  # fmt: skip
                telling.tell_asked(request)
            return request, True
        except IntegrityError:
            request.pk = None
            existing = ServiceRequest.objects.filter(client_id=request.client_id).first()
            if existing is not None:
                return existing, False
    raise Conflict(_("The request could not be numbered; send it again."), code="try_again")


def ask_for(user, community_code, client_id, fields, point=None, grid_code="", household_link=None, channel=None):
    """A grid worker or community staff ask for a service for a resident (by phone, at the door):
    (request, created). A retry with the same client_id returns the same request."""
    existing = ServiceRequest.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.asked_by_id != user.pk:
            raise Conflict(_("Something else was already sent with this client_id."), field="client_id")
        return existing, False
    scope = Scope.for_user(user)
    community = Area.objects.filter(code=community_code or "", level=Level.COMMUNITY).first()
    if community is None or not scope.sees(community.code) and not _works_in_a_grid_of(scope, community):
        raise NotFound(
            _("No community has the code %(code)s in your areas.") % {"code": community_code}, field="community"
        )
    grid = grid_of(community, point, grid_code)
    if not (scope.changes(community.code) or (grid is not None and scope.changes(grid.code))):
        raise Forbidden(_("You may ask for services only in the areas you work in."), field="community")
    link = _household_link(household_link, grid)
    checked = checked_fields(community, **fields)
    channel = channel or (
        ServiceRequest.Channel.STAFF if scope.changes(community.code) else ServiceRequest.Channel.GRID_WORKER
    )
    request = ServiceRequest(
        client_id=client_id, channel=channel, community=community, grid=grid, household_link=link,
        location=point, asked_by=user, **checked,
    )  # fmt: skip
    return write_new(request)


def _works_in_a_grid_of(scope, community):
    return any(code.startswith(community.code) for code in scope.write)


def _household_link(link_id, grid):
    if not link_id:
        return None
    link = HouseholdLink.objects.filter(in_force(), pk=link_id).first()
    if link is None or grid is None or link.grid_id != grid.pk:
        raise GovgridError(_("Choose a household link of the request's grid."), field="household_link")
    return link


# --- reading ---------------------------------------------------------------------------------------


def visible_to(user, queryset=None):
    """The requests a user may read: in the areas of their scope (by community or by grid), those
    they asked for, those offered to them, and those they serve."""
    queryset = ServiceRequest.objects.all() if queryset is None else queryset
    scope = Scope.for_user(user)
    if scope.everything:
        return queryset
    person = Person.objects.filter(user=user).first()
    seen = scope.filter(queryset, "community__code") | scope.filter(queryset, "grid__code")
    mine = queryset.filter(asked_by=user)
    if person is not None:
        # offered to them, now or before: one who was too late reads that someone else took it
        mine = mine | queryset.filter(volunteer=person) | queryset.filter(offers__person=person)
    return (seen | mine).distinct()


def shows_contact(user, request):
    """Whether the resident's name and phone are shown: to those who handle it (community staff with
    personal data in their scope, whoever asked for it) and to its volunteer once claimed."""
    scope = Scope.for_user(user)
    if scope.shows_personal_data_in(request.community.code) or request.asked_by_id == user.pk:
        return True
    if request.grid_id and scope.shows_personal_data_in(request.grid.code):
        return True
    return request.volunteer_id is not None and request.volunteer.user_id == user.pk


# --- staff actions -----------------------------------------------------------------------------------


def _locked(code):
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("community", "grid", "volunteer")
        .filter(tracking_code=code)
        .first()
    )


def _for_staff(user, code, version):
    """The request locked, when the user is its community's staff and read its current version."""
    scope = Scope.for_user(user)
    request = _locked(code)
    if request is None or not visible_to(user).filter(pk=request.pk).exists():
        raise NotFound(_("No service request %(code)s in your areas.") % {"code": code}, field="request")
    if not scope.changes(request.community.code):
        raise Forbidden(_("Only the community's staff may do this."), field="request")
    if version is None:
        raise GovgridError(_("Send the version of the request you read."), field="version")
    if version != request.version:
        raise Conflict(_("The request changed since you read it: read it again."), field="version", code="stale")
    return request


def _expect(request, *statuses):
    if request.status not in statuses:
        raise Conflict(
            _("The request is %(status)s: this cannot be done now.") % {"status": request.get_status_display()},
            field="request",
            code="wrong_status",
            status=request.status,
        )


def _changed(request, now, *fields):
    request.version += 1
    request.updated_at = now
    request.save(update_fields=[*fields, "version", "updated_at"])
    return request


def _step(request, action, now, actor=None, person=None, note="", offered_to=None, by_resident=False):
    return RequestStep.objects.create(
        request=request, action=action, at=now, actor=actor, person=person, note=note[:1000],
        offered_to=offered_to, by_resident=by_resident,
    )  # fmt: skip


def accept(user, code, version):
    """审核 passed: offered at once to the first tier with anyone, or left to staff when nobody."""
    now = timezone.now()
    with transaction.atomic():
        request = _for_staff(user, code, version)
        _expect(request, Status.ASKED)
        _step(request, Action.ACCEPT, now, actor=user)
        request.status, request.offered_at = Status.OFFERED, now
        _offer_next(request, None, now, actor=user)
        return _changed(request, now, "status", "offered_at", "tier", "widened_at")


def _offer_next(request, after, now, actor=None):
    """Offer the request to the next tier with anyone (from the first when `after` is None), or leave
    it to staff; writes the step and tells whom it concerns. Returns whether anyone new was offered."""
    tier, people = offers.next_tier(request, after, now)
    request.tier, request.widened_at = tier, now
    if people:
        offers.offer_to(request, tier, people, now)
        action = Action.OFFER if after is None else Action.WIDEN
        _step(request, action, now, actor=actor, note=tier, offered_to=len(people))
        telling.tell_offered(request, people, now)
        return True
    _step(request, Action.ESCALATE, now, actor=actor, note=Tier.STAFF)
    telling.tell_escalated(request, now)
    return False


def refuse(user, code, version, reason):
    reason = checked_text(reason, "reason", 500, _("Say why the request is refused: the resident reads it."))
    now = timezone.now()
    with transaction.atomic():
        request = _for_staff(user, code, version)
        _expect(request, Status.ASKED)
        request.status, request.reason = Status.REFUSED, reason
        _step(request, Action.REFUSE, now, actor=user, note=reason)
        telling.tell_resident(request, "refused", now)
        return _changed(request, now, "status", "reason")


def make_case(user, code, version, category, description=""):
    """A governance problem, not a service: the request becomes a case in its grid (its point, else
    the grid's), through intake on the resident's channel, with the resident's contact."""
    from incidents.intake import Report, report_incident
    from incidents.models import Channel, Incident

    if not category:
        raise GovgridError(_("Choose the case's category."), field="category")
    now = timezone.now()
    with transaction.atomic():
        request = _for_staff(user, code, version)
        _expect(request, Status.ASKED)
        if request.grid is None and request.location is None:
            raise GovgridError(_("Say which grid the problem is in first."), field="grid")
        point = request.location or request.grid.geom.point_on_surface
        channel = {
            ServiceRequest.Channel.RESIDENT: Channel.RESIDENT,
            ServiceRequest.Channel.VISIT: Channel.VISIT,
            ServiceRequest.Channel.MEETING: Channel.MEETING,
        }.get(request.channel, Channel.WEB)
        made, _created, _duplicates = report_incident(
            user,
            Report(
                client_id=uuid.uuid5(MADE_CASES, str(request.client_id)), category=category,
                description=(description or "").strip() or request.description, lon=point.x, lat=point.y,
                contact_name=request.contact_name, contact_phone=request.contact_phone, channel=channel,
            ),
        )  # fmt: skip
        request.incident = made if isinstance(made, Incident) else Incident.objects.get(pk=made.pk)
        request.status = Status.CASE
        _step(request, Action.MAKE_CASE, now, actor=user, note=request.incident.code)
        telling.tell_resident(request, "case", now)
        return _changed(request, now, "status", "incident")


def serves_in_community(person, community, today=None):
    """Whether a person serves in the community on a day: registered there (双报到), or serving in it
    as the Party meetings' attendees do (volunteers.duties.serving_in: a role in it or one of its
    grids, a household link in its grids, a place in its volunteer teams)."""
    today = today or timezone.localdate()
    return person.home_community_id == community.pk or person.pk in serving_in(community, today, [person.pk])


def assign(user, code, version, person_id):
    """派单 by hand: staff give the request to someone who serves in the community."""
    now = timezone.now()
    with transaction.atomic():
        request = _for_staff(user, code, version)
        _expect(request, Status.OFFERED)
        person = Person.objects.filter(pk=person_id).first()
        if person is None or not serves_in_community(person, request.community):
            raise GovgridError(
                _("Choose someone who serves in %(name)s.") % {"name": request.community.name}, field="person"
            )
        request.status, request.volunteer, request.claimed_at = Status.CLAIMED, person, now
        offers.close_all(request, now)
        _step(request, Action.ASSIGN, now, actor=user, person=person)
        telling.tell_assigned(request, now)
        return _changed(request, now, "status", "volunteer", "claimed_at")


def cancel(user, code, version, reason):
    reason = checked_text(reason, "reason", 500, _("Say why the request is cancelled."))
    now = timezone.now()
    with transaction.atomic():
        request = _for_staff(user, code, version)
        _expect(request, *CANCELLABLE)
        return _cancelled(request, now, reason, actor=user)


def _cancelled(request, now, reason, actor=None, by_resident=False):
    request.status, request.reason = Status.CANCELLED, reason
    offers.close_all(request, now)
    _step(request, Action.CANCEL, now, actor=actor, note=reason, by_resident=by_resident)
    telling.tell_cancelled(request, now)
    return _changed(request, now, "status", "reason")


def confirm_for_resident(user, code, version, rating, comment=""):
    """Staff confirm a service done for a resident with no phone of their own, with the rating the
    resident gave them (by phone, at the door)."""
    rating = _rating(rating)
    now = timezone.now()
    with transaction.atomic():
        request = _for_staff(user, code, version)
        _expect(request, Status.DONE)
        return _confirmed(request, now, rating, comment, actor=user)


def _rating(rating):
    if rating is None or isinstance(rating, bool) or rating not in range(1, 6):
        raise GovgridError(_("Rate from 1 to 5."), field="rating")
    return rating


def _confirmed(request, now, rating, comment="", actor=None, by_resident=False):
    request.status, request.confirmed_at = Status.CONFIRMED, now
    request.rating, request.rating_note = rating, (comment or "").strip()[:500]
    _step(request, Action.CONFIRM, now, actor=actor, note=str(rating or ""), by_resident=by_resident)
    _changed(request, now, "status", "confirmed_at", "rating", "rating_note")
    ledger.credit_service(request, actor)
    return request


# --- the volunteer's actions --------------------------------------------------------------------------


def _person_of(user):
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise Forbidden(_("Your login is not linked to a person who serves."), field="request")
    return person


def _for_volunteer(user, code):
    person = _person_of(user)
    request = _locked(code)
    if request is None or not visible_to(user).filter(pk=request.pk).exists():
        raise NotFound(_("No service request %(code)s for you.") % {"code": code}, field="request")
    return request, person


def claim(user, code):
    """接单: the first claim wins. The one who holds it claiming again (a phone's retry) is answered
    with the request as it is; anyone else gets 409 `claimed`."""
    now = timezone.now()
    with transaction.atomic():
        request, person = _for_volunteer(user, code)
        if request.volunteer_id == person.pk and request.status in (Status.CLAIMED, Status.DONE, Status.CONFIRMED):
            return request
        if request.status in (Status.CLAIMED, Status.DONE, Status.CONFIRMED):
            raise Conflict(_("Someone else claimed it first."), field="request", code="claimed")
        _expect(request, Status.OFFERED)
        if not request.offers.filter(person=person, closed_at__isnull=True).exists():
            raise Forbidden(_("This request is not offered to you."), field="request")
        request.status, request.volunteer, request.claimed_at = Status.CLAIMED, person, now
        offers.close_all(request, now)
        _step(request, Action.CLAIM, now, actor=user, person=person)
        telling.tell_claimed(request, now)
        return _changed(request, now, "status", "volunteer", "claimed_at")


def give_back(user, code, reason):
    """退单: the volunteer cannot do it after all; offered again to the others of the tiers reached."""
    reason = checked_text(reason, "reason", 500, _("Say why you give it back."))
    now = timezone.now()
    with transaction.atomic():
        request, person = _for_volunteer(user, code)
        if request.volunteer_id != person.pk:
            if request.steps.filter(action=Action.GIVE_BACK, person=person, note=reason).exists():
                return request  # a phone sending its giving back again after a lost answer
            raise Forbidden(_("Only its volunteer may give it back."), field="request")
        _expect(request, Status.CLAIMED)
        request.status, request.volunteer, request.claimed_at = Status.OFFERED, None, None
        _step(request, Action.GIVE_BACK, now, actor=user, person=person, note=reason)
        offers.reopen(request)
        if not request.offers.filter(closed_at__isnull=True).exists():
            _offer_next(request, request.tier if request.tier != Tier.STAFF else None, now)
        else:
            telling.tell_offered(request, [o.person for o in request.offers.filter(closed_at__isnull=True)], now)
        return _changed(request, now, "status", "volunteer", "claimed_at", "tier", "widened_at")


def done(user, code, minutes, note="", photos=()):
    """完成: the volunteer records the service done, with the minutes it took and, if they like, up to
    MAX_PHOTOS photos of it (stripped of their metadata as every photo is). Sent again by a phone
    (done already, by them) it answers the request as it is, keeping a photo it did not have yet."""
    if minutes is None or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
        raise GovgridError(_("Give the minutes spent, from 1 to %(n)d.") % {"n": MAX_MINUTES}, field="minutes")
    if len(photos) > MAX_PHOTOS:
        raise GovgridError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, field="photo")
    note = checked_text(note, "note", 1000)
    checked = [check_photo(photo, field="photo") for photo in photos]  # before anything is written
    now = timezone.now()
    with transaction.atomic():
        request, person = _for_volunteer(user, code)
        if request.volunteer_id != person.pk:
            raise Forbidden(_("Only its volunteer may record it done."), field="request")
        if request.status not in (Status.DONE, Status.CONFIRMED):
            _expect(request, Status.CLAIMED)
            request.status, request.done_at, request.minutes, request.done_note = Status.DONE, now, minutes, note
            _step(request, Action.DONE, now, actor=user, person=person, note=note)
            telling.tell_done(request, now)
            _changed(request, now, "status", "done_at", "minutes", "done_note")
        for data, content_type, digest in checked:
            _keep_photo(request, data, content_type, digest)
        return request


def _keep_photo(request, data, content_type, digest):
    from django.core.files.base import ContentFile

    if request.photos.filter(sha256=digest).exists():
        return
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[content_type]
    photo = RequestPhoto(request=request, sha256=digest, content_type=content_type, size=len(data))
    photo.file.save(f"{request.tracking_code}-{digest[:12]}.{extension}", ContentFile(data), save=False)
    photo.save()


# --- the resident's actions (by their private link: volunteers.asking) ----------------------------------


def confirm_by_resident(request_id, rating, comment=""):
    rating = _rating(rating)
    now = timezone.now()
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("community", "grid", "volunteer")
            .get(pk=request_id)
        )
        if request.status == Status.CONFIRMED:
            raise Conflict(_("It was confirmed already."), field="rating", code="confirmed")
        _expect(request, Status.DONE)
        return _confirmed(request, now, rating, comment, by_resident=True)


def cancel_by_resident(request_id, reason=""):
    now = timezone.now()
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("community", "grid")
            .get(pk=request_id)
        )
        if request.status == Status.CANCELLED:
            return request
        _expect(request, Status.ASKED, Status.OFFERED)
        return _cancelled(
            request, now, (reason or "").strip()[:500] or _("cancelled by the resident"), by_resident=True
        )


# --- the worker's sweep ------------------------------------------------------------------------------


def sweep(now=None):
    """Widen the offers nobody claimed, leave to staff those unclaimed too long, confirm unrated the
    services done that no one confirmed; one transaction per request, each row locked and looked at
    again (a claim may have come in meanwhile). Returns {what: how many}."""
    now = now or timezone.now()
    widen_before = now - timedelta(hours=settings.VOLUNTEER_WIDEN_HOURS)
    escalate_before = now - timedelta(hours=settings.VOLUNTEER_ESCALATE_HOURS)
    confirm_before = now - timedelta(days=settings.VOLUNTEER_CONFIRM_DAYS)
    counts = {"widened": 0, "escalated": 0, "confirmed": 0}
    waiting = ServiceRequest.objects.filter(status=Status.OFFERED).exclude(tier=Tier.STAFF)
    due = waiting.filter(Q(widened_at__lte=widen_before) | Q(offered_at__lte=escalate_before))
    for pk in due.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            request = (
                ServiceRequest.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=pk)
            )
            if request.status != Status.OFFERED or request.tier == Tier.STAFF:
                continue
            if request.offered_at <= escalate_before:
                request.tier, request.widened_at = Tier.STAFF, now
                _step(request, Action.ESCALATE, now, note=Tier.STAFF)
                telling.tell_escalated(request, now)
                counts["escalated"] += 1
            elif request.widened_at <= widen_before:
                counts["widened" if _offer_next(request, request.tier, now) else "escalated"] += 1
            else:
                continue
            _changed(request, now, "tier", "widened_at")
    done_long_ago = ServiceRequest.objects.filter(status=Status.DONE, done_at__lte=confirm_before)
    for pk in done_long_ago.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            request = (
                ServiceRequest.objects.select_for_update(of=("self",))
                .select_related("community", "grid", "volunteer")
                .get(pk=pk)
            )
            if request.status == Status.DONE:
                _confirmed(request, now, None)
                counts["confirmed"] += 1
    return counts
