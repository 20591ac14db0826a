"""A Party group's meeting decides to help someone: the decision becomes a service request in its
grid (channel meeting), reviewed and offered as any other; sent again, the same request."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from govgrid.lib.errors import Conflict, NotFound
from grids.models import PartyMeeting, Role
from volunteers import duties, services
from volunteers.models import ServiceRequest, VisitFinding

HELP = {"kind": "companionship", "description": "研判发现独居老人刘大爷需要定期探望", "for_whom": "elderly_alone"}


@pytest.fixture
def meeting(cast):
    """赵强 (zhao) leads the grid's Party group and records its monthly analysis."""
    cast.city.serve(cast.person["zhao"], Role.PARTY_GROUP_LEADER, cast.grid)
    record = duties.MeetingRecord(
        client_id=uuid.uuid4(), kind="analysis", area=cast.grid.code, held_on=timezone.localdate() - timedelta(days=1),
        topic="本月民情研判", attendees=[cast.person["zhao"].pk, cast.person["li"].pk],
    )  # fmt: skip
    made, _created = duties.record_meeting(cast["zhao"], record)
    return made


def test_a_meetings_decision_becomes_a_request_in_its_grid_offered_as_any_other(cast, meeting):
    client_id = uuid.uuid4()
    finding, created = duties.meeting_request(cast["zhao"], meeting.pk, client_id, dict(HELP))
    request = finding.request
    assert created and (request.channel, request.grid, request.status) == ("meeting", cast.grid, "asked")
    assert request.asked_by == cast["zhao"] and finding.meeting == meeting
    again, created = duties.meeting_request(cast["zhao"], meeting.pk, client_id, dict(HELP))
    assert (again.pk, created) == (finding.pk, False) and ServiceRequest.objects.count() == 1
    accepted = services.accept(cast["sun"], request.tracking_code, request.version)
    assert accepted.status == "offered"


def test_only_the_meetings_recorders_make_requests_of_it(cast, meeting):
    with pytest.raises(NotFound):  # 李明 attended, but the meeting is not his to read
        duties.meeting_request(cast["li"], meeting.pk, uuid.uuid4(), dict(HELP))
    assert not VisitFinding.objects.exists()


def test_a_client_id_of_another_finding_is_refused(cast, meeting):
    client_id = uuid.uuid4()
    duties.meeting_request(cast["zhao"], meeting.pk, client_id, dict(HELP))
    other = PartyMeeting.objects.create(
        client_id=uuid.uuid4(), area=cast.grid, kind="training", held_on=timezone.localdate(), recorded_by=cast["zhao"]
    )
    with pytest.raises(Conflict):
        duties.meeting_request(cast["zhao"], other.pk, client_id, dict(HELP))
