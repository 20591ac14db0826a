"""The service request's loop (点单 → 审核 → 派单 → 接单 → 完成 → 评单) through volunteers.services,
with the cast of tests/volunteers/conftest.py: 孙丽 (sun) the community's staff, 李明 (li) and 张华
(zhang) linked to households of the grid (zhang takes only errands), 赵强 (zhao) of the grid's service
team, 陈静 (chen) of the community's volunteer team, 周平 (zhou) the grid worker, 钱多 (qian) of the
other community."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.scopes import Forbidden
from volunteers import services
from volunteers.models import LedgerEntry, Offer, Profile, RequestStep, ServiceRequest

Status, Tier = ServiceRequest.Status, ServiceRequest.Tier


def asked(cast, kind="companionship", by="sun", **fields):
    """A request asked for a resident by one of the cast, in the first grid of the community."""
    wanted = {"kind": kind, "description": "独居老人想找人聊聊天", "for_whom": "elderly_alone",
              "contact_name": "王奶奶", "contact_phone": "13900001111"} | fields  # fmt: skip
    request, created = services.ask_for(cast[by], cast.community.code, uuid.uuid4(), wanted, grid_code=cast.grid.code)
    assert created
    return request


def accepted(cast, **fields):
    request = asked(cast, **fields)
    return services.accept(cast["sun"], request.tracking_code, request.version)


def offered_to(request):
    return {offer.person.name for offer in Offer.objects.filter(request=request, closed_at__isnull=True)}


def test_a_request_asked_for_a_resident_waits_for_review_with_its_first_step(cast):
    request = asked(cast)
    assert (request.status, request.channel, request.grid) == (Status.ASKED, "staff", cast.grid)
    assert list(request.steps.values_list("action", flat=True)) == ["ask"]


def test_asking_again_with_the_same_client_id_gives_the_same_request(cast):
    client_id = uuid.uuid4()
    fields = {"kind": "errands", "description": "买药", "for_whom": "elderly"}
    first, _ = services.ask_for(cast["zhou"], cast.community.code, client_id, fields, grid_code=cast.grid.code)
    again, created = services.ask_for(cast["zhou"], cast.community.code, client_id, fields, grid_code=cast.grid.code)
    assert (again.pk, created, first.channel) == (first.pk, False, "grid_worker")
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "massage"}, "kind"),
        ({"for_whom": "cat"}, "for_whom"),
        ({"description": "  "}, "description"),
        ({"contact_phone": "call me"}, "contact_phone"),
    ],
)
def test_a_request_with_a_bad_field_is_refused_naming_it(cast, fields, field):
    wanted = {"kind": "errands", "description": "买菜", "for_whom": "self"} | fields
    with pytest.raises(GovgridError) as refused:
        services.ask_for(cast["sun"], cast.community.code, uuid.uuid4(), wanted)
    assert refused.value.field == field
    assert not ServiceRequest.objects.exists()


def test_a_grid_worker_may_not_ask_in_another_community(cast):
    wanted = {"kind": "errands", "description": "买菜", "for_whom": "self"}
    with pytest.raises(NotFound):
        services.ask_for(cast["zhou"], cast.other_community.code, uuid.uuid4(), wanted)


def test_accepted_it_is_offered_to_the_members_linked_in_the_grid_who_take_its_kind(cast):
    request = accepted(cast)
    assert (request.status, request.tier) == (Status.OFFERED, Tier.LINKED)
    assert offered_to(request) == {"李明"}  # 张华 takes only errands
    errand = accepted(cast, kind="errands")
    assert offered_to(errand) == {"李明", "张华"}


def test_with_nobody_linked_it_goes_to_the_grid_team_then_the_community_teams_then_staff(cast):
    Profile.objects.create(person=cast.person["li"], available=False)
    request = accepted(cast)
    assert (request.tier, offered_to(request)) == (Tier.GRID_TEAM, {"李明", "张华", "赵强"} - {"李明", "张华"})
    Profile.objects.create(person=cast.person["zhao"], available=False)
    assert (accepted(cast).tier, offered_to(accepted(cast))) == (Tier.COMMUNITY_TEAMS, {"陈静"})
    Profile.objects.create(person=cast.person["chen"], skills=["legal"])
    alone = accepted(cast)
    assert (alone.tier, offered_to(alone)) == (Tier.STAFF, set())
    assert list(alone.steps.values_list("action", flat=True)) == ["ask", "accept", "escalate"]


def test_the_first_claim_wins_and_a_second_gets_409_claimed(cast):
    request = accepted(cast, kind="errands")
    claimed = services.claim(cast["li"], request.tracking_code)
    assert (claimed.status, claimed.volunteer) == (Status.CLAIMED, cast.person["li"])
    with pytest.raises(Conflict) as refused:
        services.claim(cast["zhang"], request.tracking_code)
    assert refused.value.as_dict()["code"] == "claimed"
    assert offered_to(request) == set()


def test_a_claim_sent_again_by_its_volunteer_is_answered_as_it_is(cast):
    request = accepted(cast, kind="errands")
    services.claim(cast["li"], request.tracking_code)
    again = services.claim(cast["li"], request.tracking_code)
    assert again.status == Status.CLAIMED
    assert RequestStep.objects.filter(request=request, action="claim").count() == 1


def test_someone_it_was_not_offered_to_cannot_claim_it(cast):
    request = accepted(cast)  # offered to 李明 only
    with pytest.raises(NotFound):
        services.claim(cast["qian"], request.tracking_code)
    with pytest.raises(Forbidden):
        services.claim(cast["zhou"], request.tracking_code)  # the grid worker sees it but it is not his


def test_given_back_it_is_offered_again_to_the_others_and_never_to_the_giver(cast):
    request = accepted(cast, kind="errands")
    services.claim(cast["li"], request.tracking_code)
    with pytest.raises(GovgridError) as refused:
        services.give_back(cast["li"], request.tracking_code, " ")
    assert refused.value.field == "reason"
    back = services.give_back(cast["li"], request.tracking_code, "临时出差")
    assert (back.status, back.volunteer, offered_to(back)) == (Status.OFFERED, None, {"张华"})
    services.claim(cast["zhang"], request.tracking_code)
    services.give_back(cast["zhang"], request.tracking_code, "身体不适")
    again = ServiceRequest.objects.get(pk=request.pk)
    assert again.tier == Tier.GRID_TEAM and offered_to(again) == {"赵强"}


def test_done_and_rated_by_the_resident_it_credits_hours_and_the_rated_service(cast):
    request = accepted(cast, kind="errands")
    services.claim(cast["li"], request.tracking_code)
    with pytest.raises(GovgridError) as refused:
        services.done(cast["li"], request.tracking_code, 0)
    assert refused.value.field == "minutes"
    services.done(cast["li"], request.tracking_code, 90, "买了药送到家")
    confirmed = services.confirm_by_resident(request.pk, 5, "很及时")
    assert (confirmed.status, confirmed.rating) == (Status.CONFIRMED, 5)
    rows = {row.kind: row for row in LedgerEntry.objects.filter(person=cast.person["li"])}
    assert rows["service_hours"].hours == Decimal("1.50") and rows["service_hours"].points == Decimal("1.50")
    assert rows["rated_service"].points == Decimal("2") and rows["rated_service"].work_unit == cast.school
    with pytest.raises(Conflict):
        services.confirm_by_resident(request.pk, 4)
    assert LedgerEntry.objects.count() == 2


def test_staff_confirm_for_a_resident_without_a_phone(cast):
    request = accepted(cast, kind="errands")
    services.claim(cast["li"], request.tracking_code)
    done = services.done(cast["li"], request.tracking_code, 30)
    confirmed = services.confirm_for_resident(cast["sun"], request.tracking_code, done.version, 4)
    assert confirmed.rating == 4
    assert confirmed.steps.get(action="confirm").actor == cast["sun"]


def test_staff_act_on_the_version_they_read(cast):
    request = asked(cast)
    services.accept(cast["sun"], request.tracking_code, request.version)
    with pytest.raises(Conflict) as refused:
        services.refuse(cast["sun"], request.tracking_code, request.version, "重复")
    assert refused.value.as_dict()["code"] == "stale"


def test_staff_assign_directly_to_someone_serving_in_the_community(cast):
    request = accepted(cast)
    with pytest.raises(GovgridError) as refused:
        services.assign(cast["sun"], request.tracking_code, request.version, cast.person["qian"].pk)
    assert refused.value.field == "person"
    assigned = services.assign(cast["sun"], request.tracking_code, request.version, cast.person["chen"].pk)
    assert (assigned.status, assigned.volunteer) == (Status.CLAIMED, cast.person["chen"])


def test_a_refusal_says_why(cast):
    request = asked(cast)
    refused = services.refuse(cast["sun"], request.tracking_code, request.version, "不属于志愿服务范围")
    assert (refused.status, refused.reason) == (Status.REFUSED, "不属于志愿服务范围")


def test_a_governance_problem_becomes_a_case_in_the_request_grid(cast):
    request = asked(cast, description="楼道堆满杂物，影响通行")
    made = services.make_case(cast["sun"], request.tracking_code, request.version, "0501")
    assert made.status == Status.CASE
    assert (made.incident.grid, made.incident.contact_phone) == (cast.grid, "13900001111")


def test_the_grid_worker_cannot_review(cast):
    request = asked(cast, by="zhou")
    with pytest.raises(Forbidden):
        services.accept(cast["zhou"], request.tracking_code, request.version)


def test_unclaimed_it_is_offered_more_widely_then_left_to_staff(cast):
    start = timezone.now()
    request = accepted(cast)
    assert services.sweep(start + timedelta(hours=1))["widened"] == 0
    assert services.sweep(start + timedelta(hours=2, minutes=1))["widened"] == 1
    assert ServiceRequest.objects.get(pk=request.pk).tier == Tier.GRID_TEAM
    assert offered_to(request) == {"李明", "赵强"}
    assert services.sweep(start + timedelta(hours=24, minutes=1))["escalated"] == 1
    left = ServiceRequest.objects.get(pk=request.pk)
    assert left.tier == Tier.STAFF and left.status == Status.OFFERED
    assert list(left.steps.values_list("action", flat=True)) == ["ask", "accept", "offer", "widen", "escalate"]


def test_a_service_nobody_confirms_is_confirmed_unrated_after_a_week(cast):
    request = accepted(cast, kind="errands")
    services.claim(cast["li"], request.tracking_code)
    services.done(cast["li"], request.tracking_code, 60)
    assert services.sweep(timezone.now() + timedelta(days=6))["confirmed"] == 0
    assert services.sweep(timezone.now() + timedelta(days=7, minutes=1))["confirmed"] == 1
    confirmed = ServiceRequest.objects.get(pk=request.pk)
    assert (confirmed.status, confirmed.rating) == (Status.CONFIRMED, None)
    assert list(LedgerEntry.objects.values_list("kind", flat=True)) == ["service_hours"]


def test_the_resident_may_cancel_before_it_is_claimed(cast):
    request = accepted(cast)
    cancelled = services.cancel_by_resident(request.pk)
    assert cancelled.status == Status.CANCELLED and offered_to(cancelled) == set()
