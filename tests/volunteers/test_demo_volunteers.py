"""The demo's members and volunteers: each request's steps lead, in order of time, to its status as
the services would have written them, every confirmed service is credited as the ledger credits
it, and the year has the gaps a real city has (most grids keep their visits and analyses, some do
not), with satisfaction near the practice's figures."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from demo.volunteers import build_volunteers
from grids.coverage import Thresholds, grid_coverage
from volunteers.models import LedgerEntry, ServiceRequest
from volunteers.rules import rules_for

pytestmark = pytest.mark.django_db

# The status each step leaves a request in (volunteers.services' table).
LEAVES = {"ask": "asked", "accept": "offered", "offer": "offered", "escalate": "offered", "widen": "offered",
          "claim": "claimed", "assign": "claimed", "give_back": "offered", "done": "done", "confirm": "confirmed",
          "refuse": "refused", "cancel": "cancelled", "make_case": "case"}  # fmt: skip


@pytest.fixture
def year(db):
    made = build_volunteers("411381", np.random.default_rng(7), days=120)
    assert made["requests"] > 1000 and made["visits"] > 10000 and made["meetings"] > 1000
    return made


def test_every_request_walked_to_its_status_in_order_and_was_credited_as_the_ledger_does(year):
    now = timezone.now()
    rules = rules_for("411381")
    requests = ServiceRequest.objects.filter(community__code__startswith="411381").prefetch_related("steps", "credits")
    for request in requests:
        steps = sorted(request.steps.all(), key=lambda step: (step.at, step.pk))
        assert steps[0].action == "ask" and steps[0].at == request.asked_at and steps[-1].at <= now
        assert LEAVES[steps[-1].action] == request.status, request.tracking_code
        credits = {credit.kind: credit for credit in request.credits.all()}
        if request.status != "confirmed":
            assert not credits
            continue
        hours = (Decimal(request.minutes) / 60).quantize(Decimal("0.01"))
        assert credits["service_hours"].hours == hours and credits["service_hours"].points == rules.points_for_hours(
            hours
        )
        assert credits["service_hours"].person_id == request.volunteer_id
        assert ("rated_service" in credits) == (request.rating is not None)


def test_the_year_has_the_gaps_a_real_city_has(year):
    rated = ServiceRequest.objects.filter(community__code__startswith="411381", rating__isnull=False)
    satisfied = rated.filter(rating__gte=4).count() / rated.count()
    assert 0.93 < satisfied < 0.995
    thresholds = replace(Thresholds.from_settings(), rules=("visits", "analysis"))
    grids = grid_coverage("411381", thresholds, today=timezone.localdate())
    counted = [grid for grid in grids if grid["visit_weeks_due"]]
    behind = [grid for grid in counted if not grid["ok_visits"]]
    assert 0.03 < len(behind) / len(counted) < 0.5  # most keep their visits, some do not
    no_analysis = [grid for grid in grids if not grid["ok_analysis"]]
    assert 0.02 < len(no_analysis) / len(grids) < 0.5
    assert LedgerEntry.objects.filter(
        district__code="411381", on__gte=timezone.localdate() - timedelta(days=30)
    ).exists()
