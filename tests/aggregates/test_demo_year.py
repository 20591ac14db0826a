"""On the demo's year of cases (walked through the workflow, the deadline sweep and residents'
ratings by demo.history), the kept figures equal the figures counted from the cases, and a rebuild
gives the sums the triggers kept while the year was written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aggregates.models import AreaDay, CaseFact
from aggregates.read import kept_figures
from aggregates.sql import fold, rebuild
from incidents.figures import figures, set_based_figures
from tests.aggregates.conftest import local_midnight

DISTRICT = "411381"


@pytest.fixture(scope="module", autouse=True)
def demo_year(django_db_setup, django_db_blocker):
    """A demo year of cases, committed with the aggregates kept as it is written, removed afterwards."""
    from demo.history import build_history
    from incidents.models import Incident, purge_incidents
    from residents.models import ResidentReport

    with django_db_blocker.unblock():
        rebuild()
        build_history(DISTRICT, cases=1500, days=365, seed=13)
        yield
        purge_incidents(Incident.objects.filter(area_code__startswith=DISTRICT))
        ResidentReport.objects.filter(grid__code__startswith=DISTRICT).delete()


def the_year():
    today = timezone.localdate()
    return local_midnight(today - timedelta(days=366)), local_midnight(today + timedelta(days=1))


@pytest.mark.parametrize("level", ["district", "street", "community"])
def test_the_kept_figures_of_the_demo_year_equal_the_counted_ones(db, level):
    since, until = the_year()
    now = timezone.now()
    for by_month in (False, True):
        assert kept_figures(DISTRICT, level, since, until, by_month=by_month, now=now) is not None
        kept = figures(DISTRICT, level, since, until, by_month=by_month, now=now)
        assert kept == set_based_figures(DISTRICT, level, since, until, by_month=by_month, now=now)
        assert sum(row["received"] for row in kept) > 1000


def test_a_street_and_a_month_of_the_demo_year_read_the_same_both_ways(db):
    today = timezone.localdate()
    first = today.replace(day=1) - timedelta(days=40)
    since, until = local_midnight(first.replace(day=1)), local_midnight(today.replace(day=1))
    street = DISTRICT + "001"
    for level in ("street", "community"):
        assert figures(street, level, since, until) == set_based_figures(street, level, since, until)


def test_a_rebuild_after_the_demo_year_gives_the_sums_the_triggers_kept(db):
    columns = [f.attname for f in AreaDay._meta.fields if f.attname != "id"]
    fold()
    kept = sorted(AreaDay.objects.filter(received__gt=0).values_list(*columns))
    facts = CaseFact.objects.count()
    rebuild()
    assert sorted(AreaDay.objects.filter(received__gt=0).values_list(*columns)) == kept
    assert CaseFact.objects.count() == facts > 1000
