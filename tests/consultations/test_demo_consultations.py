"""The demo's consultations: a year of items walked through their method by the services, dated in
the year; each step where the rules put it, the figures in the seed's shape."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from consultations.figures import dashboard_summary
from consultations.models import Item
from demo.consultations import build_consultations

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(db):
    made = build_consultations("411381", np.random.default_rng(4), days=365)
    assert made > 60  # about two or three a community
    return Item.objects.filter(community__code__startswith="411381")


def test_every_demo_item_moved_one_stage_at_a_time_in_order_of_time(items):
    now = timezone.now()
    for item in items:
        steps = list(item.steps.order_by("id"))
        assert steps[0].action == "propose" and steps[0].at == item.proposed_at <= now
        assert [s.at for s in steps] == sorted(s.at for s in steps), item.pk
        advances = [(s.from_stage, s.to_stage) for s in steps if s.action == "advance"]
        assert advances == [(n, n + 1) for n in range(len(advances))]
        assert item.stage == len(advances)
        if item.status in ("decided", "solved"):
            decide = next(s for s in steps if s.action == "decide")
            assert item.decided_at == decide.at and item.decision
        if item.status == "solved":
            assert item.kind == "evaluation" and item.evaluations.count() == 1 and item.solved_at <= now


def test_the_demo_year_has_the_seeds_shape(items):
    now = timezone.now()
    figures = dashboard_summary("411381", now - timedelta(days=366), now)
    assert figures["raised"] == items.count()
    assert 0.75 < figures["solved_share"] < 1 and figures["satisfied_share"] > 0.85
    assert 0.25 < figures["raised_by_residents"] / figures["raised"] < 0.55
