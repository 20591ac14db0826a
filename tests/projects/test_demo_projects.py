"""The demo's projects keep the register's rules: every milestone closed off has a verification by
someone other than whoever reported its evidence, every project closed off has all its milestones
closed off and a verification of its own, the history agrees with the states, and the year holds
projects closed off, returns, and overdue milestones."""

import numpy as np
import pytest
from django.utils import timezone

from demo.projects import build_projects
from grids.models import Area, Level
from projects import rules
from projects.models import Milestone, Project, ProjectEvent, Verification, purge_projects

pytestmark = pytest.mark.django_db

DEMO = "411381"


@pytest.fixture
def demo_projects():
    # Projects another test made through the served app in the demo district (the API's fuzzing)
    # were committed; the demo's year is looked at alone, in this test's transaction.
    purge_projects(DEMO)
    made = build_projects(DEMO, np.random.default_rng(7))
    return made, Project.objects.filter(area__code__startswith=DEMO)


def test_about_two_projects_per_street_and_one_per_community(demo_projects):
    made, projects = demo_projects
    streets = Area.objects.filter(level=Level.STREET, code__startswith=DEMO, children__isnull=False).distinct()
    communities = Area.objects.filter(level=Level.COMMUNITY, code__startswith=DEMO)
    assert projects.filter(area__level=Level.STREET).count() == 2 * streets.count()
    assert projects.filter(area__level=Level.COMMUNITY).count() == communities.count()
    assert made["projects"] == projects.count()


def test_every_milestone_closed_off_was_verified_by_someone_other_than_its_reporter(demo_projects):
    _made, projects = demo_projects
    closed = Milestone.objects.filter(project__in=projects, status=Milestone.Status.CLOSED_OFF)
    assert closed.exists()
    for milestone in closed.prefetch_related("verifications__report"):
        verified = [v for v in milestone.verifications.all() if v.decision == Verification.Decision.VERIFIED]
        assert len(verified) == 1
        assert verified[0].by_id != verified[0].report.reported_by_id
        assert verified[0].at == milestone.closed_at


def test_every_project_closed_off_has_every_milestone_closed_off_and_its_own_verification(demo_projects):
    _made, projects = demo_projects
    closed = projects.filter(status=Project.Status.CLOSED_OFF)
    assert closed.exists()
    for project in closed:
        assert set(project.milestones.values_list("status", flat=True)) == {Milestone.Status.CLOSED_OFF}
        own = project.verifications.get(milestone=None)
        reporters = set(Milestone.objects.filter(project=project).values_list("reports__reported_by", flat=True))
        assert own.by_id not in reporters


def test_the_history_agrees_with_the_states(demo_projects):
    _made, projects = demo_projects
    for project in projects.prefetch_related("events", "milestones__reports", "milestones__verifications"):
        events = list(project.events.all())
        assert events[0].action == ProjectEvent.Action.REGISTERED
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(e.at <= timezone.now() for e in events)
        for milestone in project.milestones.all():
            mine = [e.action for e in events if e.milestone_id == milestone.pk]
            assert mine.count("reported") == len(milestone.reports.all())
            assert mine.count("verified") + mine.count("returned") == len(milestone.verifications.all())
            last = {
                "milestone_added": "pending",
                "reported": "reported",
                "returned": "returned",
                "verified": "closed_off",
            }
            assert last[mine[-1]] == milestone.status
        ending = {"closed_off": Project.Status.CLOSED_OFF, "withdrawn": Project.Status.WITHDRAWN}
        assert ending.get(events[-1].action, Project.Status.OPEN) == project.status


def test_the_year_holds_returns_and_overdue_milestones(demo_projects):
    _made, projects = demo_projects
    assert Verification.objects.filter(project__in=projects, decision=Verification.Decision.RETURNED).exists()
    today = timezone.localdate()
    assert Milestone.objects.filter(rules.overdue_q(today), project__in=projects).exists()
    assert Milestone.objects.filter(project__in=projects, status=Milestone.Status.CLOSED_OFF).count() > 20


def test_replacing_the_demo_city_removes_its_projects_with_their_history(demo_projects):
    from django.core.management import call_command

    _made, projects = demo_projects
    assert ProjectEvent.objects.filter(project__in=projects).exists()
    call_command("load_demo", "--replace", "--grids", "200", "--seed", "3", "--history", "0", verbosity=0)
    assert not Project.objects.filter(area__code__startswith=DEMO).exists()
    assert not ProjectEvent.objects.filter(project__area__code__startswith=DEMO).exists()
