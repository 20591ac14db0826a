"""The points ledger: append-only at the database, credited once per source, with the district's
rules as they were when the row was written."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction

from govgrid.lib.errors import GovgridError
from volunteers import ledger
from volunteers.models import LedgerEntry
from volunteers.rules import rules_for


@pytest.fixture
def correction(cast):
    return ledger.correct(cast.person["li"], cast.community, "1.5", "3", "两小时服务漏记", cast["sun"])


def test_a_ledger_row_cannot_be_updated_at_the_database(correction):
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE volunteers_ledgerentry SET points = 100 WHERE id = %s", [correction.pk])
    assert LedgerEntry.objects.get(pk=correction.pk).points == Decimal("3.00")


def test_a_ledger_row_cannot_be_deleted_at_the_database(correction):
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=correction.pk).delete()
    assert LedgerEntry.objects.filter(pk=correction.pk).exists()


def test_purging_a_district_removes_its_ledger(cast, correction):
    ledger.purge_district(cast.city.code)
    assert not LedgerEntry.objects.filter(district=cast.city.district).exists()


def test_a_correction_says_why(cast):
    with pytest.raises(GovgridError) as refused:
        ledger.correct(cast.person["li"], cast.community, 1, 1, "  ", cast["sun"])
    assert refused.value.field == "note"
    assert not LedgerEntry.objects.exists()


def test_a_correction_row_keeps_where_it_counts(correction, cast):
    assert (correction.district, correction.community, correction.work_unit) == (
        cast.city.district, cast.community, cast.school
    )  # fmt: skip
    assert ledger.totals(LedgerEntry.objects.filter(person=cast.person["li"]))["points"] == Decimal("3.00")


def test_a_row_without_its_source_is_refused_by_the_database(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            person=cast.person["li"], kind=LedgerEntry.Kind.SERVICE_HOURS, on="2026-01-05", hours=1, points=1,
            district=cast.city.district,
        )  # fmt: skip


def test_the_rules_of_a_district_override_the_default(settings):
    settings.POINTS_RULES = {"default": {"points_per_hour": 2}, "411381": {"points_per_rated_service": 5}}
    dengzhou, elsewhere = rules_for("411381"), rules_for("990003")
    assert (dengzhou.points_per_hour, dengzhou.points_per_rated_service) == (2, 5)
    assert (elsewhere.points_per_hour, elsewhere.points_per_rated_service, elsewhere.min_hours_a_year) == (2, 2, 50)
    assert dengzhou.points_for_hours(Decimal("1.25")) == Decimal("2.50")


@pytest.mark.parametrize("bad", [{"default": {"per_hour": 1}}, {"default": {"points_per_hour": -1}}, {"x": 3}])
def test_bad_rules_are_refused_loudly(settings, bad):
    settings.POINTS_RULES = bad
    with pytest.raises(ImproperlyConfigured):
        rules_for("x")
