"""Every change of a consultation item, each in one place: atomic, the item's row locked and its
version checked, so two people acting on one item at once never both succeed (the second reads
the row after the first commits, finds another version and gets 409), and each writes its
StageStep in the same transaction.

Who may act: whoever may change the item's community (`Scope.changes`: the community's
dispatchers, the street's above them, administrators). Leaders and analysts read only (403); outside
the scope an item does not exist (404).

Stages move forward one at a time (`advance`); the decision stage is left only once the decision
is recorded (`decide`); follow-up cases come from a decided item; evaluations are recorded at the
evaluation stage, the first one making the item solved (see consultations.models).
"""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Area, Level
from grids.scopes import Forbidden, Scope

from .models import Evaluation, FollowUp, Item, Meeting, Method, StageStep, stages_of
from .stages import PARTICIPANT_KINDS, check_participants, check_stages

FOLLOW_UP_CASES = uuid.UUID("0c9b51de-53a4-4f1e-b3c2-2f5f8a61e0b7")  # namespace of the cases items make
CLOCK_SKEW = timedelta(minutes=10)  # a meeting's time may run this far ahead of the server's clock


def community_changed_by(scope, code, field="community"):
    """The community with this code when the scope may change it: 404 outside the scope, 403 when
    only seen, 400 when the code is not a community's."""
    area = Area.objects.filter(code=code or "").first() if scope.sees(code or "") else None
    if area is None:
        raise NotFound(_("No community has the code %(code)s in your areas.") % {"code": code}, field=field)
    if area.level != Level.COMMUNITY:
        raise GovgridError(_("Choose a community."), field=field)
    if not scope.changes(area.code):
        raise Forbidden(_("You may read the consultations of %(name)s but not change them.") % {"name": area.name})
    return area


def checked_proposal(title, description, name, phone):
    title = checked_text(title, "title", 100, _("Give the issue a title."))
    description = checked_text(description, "description", 2000)
    name, phone = checked_text(name, "proposer_name", 50), (phone or "").strip()
    if phone and (len(phone) > 20 or not all(ch.isdigit() or ch in "+- " for ch in phone)):
        raise GovgridError(_("Write the phone number with digits only."), field="proposer_phone")
    return title, description, name, phone


def propose(user, community_code, title, description="", proposer_name="", proposer_phone="", participants=()):
    """Staff record an issue raised for consultation (a resident's word, a meeting's, their own)."""
    scope = Scope.for_user(user)
    community = community_changed_by(scope, community_code)
    title, description, name, phone = checked_proposal(title, description, proposer_name, proposer_phone)
    participants = check_participants(participants)
    with transaction.atomic():
        return raise_item(
            community, user, title=title, description=description, proposer_name=name, proposer_phone=phone,
            participants=participants, proposed_by=user,
        )  # fmt: skip


def raise_item(community, actor, **fields):
    """A new item of the community under its method's stages as they are now, with the step that
    raised it (by `actor`, None for a resident), inside the caller's transaction."""
    item = Item.objects.create(community=community, stages=stages_of(community), **fields)
    StageStep.objects.create(item=item, action=StageStep.Action.PROPOSE, to_stage=0, actor=actor)
    return item


def _locked(user, item_id, version):
    """The item locked for update (inside the caller's transaction) and the scope, when the user
    may change it and has read its current version."""
    scope = Scope.for_user(user)
    item = Item.objects.select_for_update().select_related("community").filter(pk=item_id).first()
    if item is None or not scope.sees(item.community.code):
        raise NotFound(_("No consultation item %(id)s in your areas.") % {"id": item_id}, field="item")
    if not scope.changes(item.community.code):
        raise Forbidden(_("You may read this consultation but not change it."), field="item")
    if version is None:
        raise GovgridError(_("Send the version of the item you read."), field="version")
    if version != item.version:
        raise Conflict(_("The item changed since you read it: read it again."), field="version", code="stale")
    return item, scope


def _open(item):
    if item.closed:
        raise Conflict(
            _("The item is %(status)s: nothing more can change.") % {"status": item.get_status_display()},
            field="item",
            code="closed",
        )


def _saved(item, *fields):
    item.version += 1
    item.updated_at = timezone.now()
    item.save(update_fields=[*fields, "version", "updated_at"])
    return item


def advance(user, item_id, version, note="", to=None):
    """Move the item on to its next stage. `to`, when given, is the stage the caller means to reach:
    anything but the next one is refused (stages are never skipped)."""
    note = (note or "").strip()[:500]
    with transaction.atomic():
        item, _scope = _locked(user, item_id, version)
        _open(item)
        after = item.stage + 1
        if to is not None and to != after:
            raise Conflict(_("Stages move forward one at a time: the next is %(name)s.") % {
                "name": item.stage_label(after) if after < len(item.stages) else "—"
            }, field="to", code="skip")  # fmt: skip
        if after >= len(item.stages):
            raise Conflict(_("This is the item's last stage."), field="to", code="last_stage")
        if item.kind == "decision" and item.status != Item.Status.DECIDED:
            raise Conflict(_("Record the decision before moving on."), field="decision", code="undecided")
        if item.stages[after]["kind"] == "evaluation" and not item.follow_ups.exists() and not note:
            raise GovgridError(
                _("Say how the decision was carried out (or link the cases that carried it out)."), field="note"
            )
        StageStep.objects.create(
            item=item, action=StageStep.Action.ADVANCE, from_stage=item.stage, to_stage=after, note=note, actor=user
        )
        item.stage = after
        return _saved(item, "stage")


def record_meeting(user, item_id, version, held_at, place, minutes, attendance=None, attendees=()):
    """A meeting on the item (协商会, 听证会…): when and where, its minutes, how many of each kind of
    participant came and the names signed in."""
    place = checked_text(place, "place", 100, _("Say where the meeting was held."))
    minutes = checked_text(minutes, "minutes", 10000, _("Write the meeting's minutes."))
    if held_at is None:
        raise GovgridError(_("Say when the meeting was held."), field="held_at")
    if held_at > timezone.now() + CLOCK_SKEW:
        raise GovgridError(_("A meeting is recorded after it was held."), field="held_at")
    attendance = dict(attendance or {})
    for kind, count in attendance.items():
        if kind not in PARTICIPANT_KINDS:
            raise GovgridError(_("Unknown kind of participant: %(kind)s.") % {"kind": kind}, field="attendance")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10000:
            raise GovgridError(_("Count those present as a whole number."), field="attendance")
    attendees = [name.strip()[:50] for name in attendees if name and name.strip()][:500]
    with transaction.atomic():
        item, _scope = _locked(user, item_id, version)
        _open(item)
        meeting = Meeting.objects.create(
            item=item,
            stage=item.stage,
            held_at=held_at,
            place=place,
            minutes=minutes,
            attendance={kind: count for kind, count in attendance.items() if count},
            attendees=attendees,
            recorded_by=user,
        )
        StageStep.objects.create(item=item, action=StageStep.Action.MEETING, note=place, actor=user)
        _saved(item)
    return item, meeting


def decide(user, item_id, version, decision):
    """Record the decision, at the decision stage, once."""
    decision = checked_text(decision, "decision", 5000, _("Write the decision."))
    with transaction.atomic():
        item, _scope = _locked(user, item_id, version)
        _open(item)
        if item.kind != "decision":
            raise Conflict(
                _("A decision is recorded at the decision stage; the item is at %(name)s.")
                % {"name": item.stage_label()},
                field="decision",
                code="not_decision_stage",
            )
        if item.status == Item.Status.DECIDED:
            raise Conflict(_("The decision was already recorded."), field="decision", code="decided")
        item.decision, item.status, item.decided_at = decision, Item.Status.DECIDED, timezone.now()
        StageStep.objects.create(item=item, action=StageStep.Action.DECIDE, note=decision[:500], actor=user)
        return _saved(item, "decision", "status", "decided_at")


def follow_up(user, item_id, version, category="", description="", incident="", lon=None, lat=None):
    """A case the decision calls for: made through intake (with a category; at the community's
    centre unless a place is given) or an open case named by `incident` linked to the item."""
    from incidents.intake import Report, report_incident
    from incidents.models import OPEN_STATUSES, Channel, Incident

    with transaction.atomic():
        item, scope = _locked(user, item_id, version)
        _open(item)
        if item.status != Item.Status.DECIDED:
            raise Conflict(
                _("Follow-up cases come from the decision: record it first."), field="item", code="undecided"
            )
        if incident:
            case = Incident.objects.filter(code=incident.strip()).first()
            if case is None or not scope.sees_incident(case):
                raise NotFound(_("No case %(code)s in your areas.") % {"code": incident}, field="incident")
            if case.status not in OPEN_STATUSES:
                raise Conflict(_("Only an open case can be linked."), field="incident", code="case_not_open")
            if item.follow_ups.filter(incident=case).exists():
                raise Conflict(_("This case is already linked to the item."), field="incident", code="linked")
            created = False
        else:
            if not category:
                raise GovgridError(_("Choose the case's category, or name an open case to link."), field="category")
            if (lon is None) != (lat is None):
                raise GovgridError(_("Give both the longitude and the latitude, or neither."), field="lat")
            if lon is None:
                centre = item.community.geom.point_on_surface
                lon, lat = centre.x, centre.y
            words = (description or "").strip() or f"【协商议事】{item.title}：{item.decision}"
            made, _created, _duplicates = report_incident(
                user,
                Report(
                    client_id=uuid.uuid5(FOLLOW_UP_CASES, f"{item.pk}:{item.version}"),
                    category=category,
                    description=words[:2000],
                    lon=lon,
                    lat=lat,
                    channel=Channel.WEB,
                ),
                scope=scope,
            )
            case = made if isinstance(made, Incident) else Incident.objects.get(pk=made.pk)
            created = True
        link = FollowUp.objects.create(item=item, incident=case, created=created, by=user)
        StageStep.objects.create(item=item, action=StageStep.Action.FOLLOW_UP, note=case.code, actor=user)
        _saved(item)
    return item, link


def check_rating(rating):
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise GovgridError(_("A rating is a whole number from 1 to 5."), field="rating")
    return rating


def _evaluable(item):
    if item.status == Item.Status.DROPPED:
        raise Conflict(_("The item was dropped."), field="item", code="closed")
    if item.kind != "evaluation":
        raise Conflict(
            _("Residents evaluate once the implementation is done, at the evaluation stage."),
            field="item",
            code="not_evaluation_stage",
        )


def _evaluated(item, evaluation, actor):
    StageStep.objects.create(item=item, action=StageStep.Action.EVALUATE, note=str(evaluation.rating), actor=actor)
    fields = []
    if item.status == Item.Status.DECIDED:  # the implementation is done and a resident has spoken
        item.status, item.solved_at = Item.Status.SOLVED, evaluation.at
        StageStep.objects.create(item=item, action=StageStep.Action.SOLVE, actor=actor)
        fields = ["status", "solved_at"]
    return _saved(item, *fields)


def evaluate(user, item_id, version, rating, comment="", resident_name=""):
    """Staff record a resident's evaluation (a visit, a call, a meeting)."""
    rating = check_rating(rating)
    with transaction.atomic():
        item, _scope = _locked(user, item_id, version)
        _evaluable(item)
        evaluation = Evaluation.objects.create(
            item=item,
            rating=rating,
            comment=(comment or "").strip()[:500],
            by=Evaluation.By.STAFF,
            resident_name=(resident_name or "").strip()[:50],
            recorded_by=user,
        )
        return _evaluated(item, evaluation, user), evaluation


def evaluate_by_link(item, rating, comment=""):
    """The proposer's own evaluation by their private link, once."""
    rating = check_rating(rating)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        _evaluable(item)
        if item.evaluations.filter(by=Evaluation.By.RESIDENT).exists():
            raise Conflict(_("You have already evaluated this item."), field="rating", code="evaluated")
        evaluation = Evaluation.objects.create(
            item=item, rating=rating, comment=(comment or "").strip()[:500], by=Evaluation.By.RESIDENT
        )
        return _evaluated(item, evaluation, None)


def drop(user, item_id, version, reason):
    """Give the item up, with the reason (published with it)."""
    reason = checked_text(reason, "reason", 500, _("Say why the item is dropped."))
    with transaction.atomic():
        item, _scope = _locked(user, item_id, version)
        _open(item)
        item.status, item.dropped_reason = Item.Status.DROPPED, reason
        StageStep.objects.create(
            item=item, action=StageStep.Action.DROP, from_stage=item.stage, note=reason, actor=user
        )
        return _saved(item, "status", "dropped_reason")


def set_method(user, community_code, stages, name=""):
    """The community's own stages for the items raised from now on."""
    scope = Scope.for_user(user)
    community = community_changed_by(scope, community_code)
    stages = check_stages(stages)
    with transaction.atomic():
        method, _created = Method.objects.select_for_update().update_or_create(
            community=community,
            defaults={"stages": stages, "name": (name or "").strip()[:50], "updated_at": timezone.now(),
                      "updated_by": user},
        )  # fmt: skip
    return method
