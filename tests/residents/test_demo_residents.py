"""The demo's residents: QR codes for every grid and community, about three cases in ten from a
resident's report, rated by the resident; reports declined, merged and still waiting beside them."""

import pytest

from demo.history import build_history
from demo.residents import demo_secret, place_codes
from incidents.models import Incident, IncidentEvent
from residents.models import PlaceCode, ResidentReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(db):
    build_history("411381", cases=400, days=60, seed=3)
    return Incident.objects.filter(fingerprint="demo")


def test_every_grid_community_and_station_of_the_demo_has_a_live_code():
    from grids.models import Area, ServiceStation

    places = Area.objects.within("411381").filter(level__in=["grid", "community"]).count()
    places += ServiceStation.objects.filter(area__code__startswith="411381").count()
    assert place_codes("411381") == places == PlaceCode.objects.filter(retired_at=None).count()
    assert place_codes("411381") == places  # asked again, the same codes


def test_cases_from_residents_are_theirs_to_rate_and_their_reports_say_how_they_were_decided(history):
    from_residents = history.filter(channel="resident")
    assert 0.2 < from_residents.count() / history.count() < 0.4
    accepted = ResidentReport.objects.filter(status="accepted")
    assert set(accepted.values_list("incident_id", flat=True)) == set(from_residents.values_list("id", flat=True))
    rates = IncidentEvent.objects.filter(incident__in=history, action="rate")
    assert not rates.filter(incident__channel="resident").exclude(actor=None).exists()
    assert not rates.filter(incident__channel="app", actor=None).exists()
    assert rates.filter(incident__channel="resident").exists()
    statuses = set(ResidentReport.objects.values_list("status", flat=True))
    assert statuses == {"accepted", "declined", "merged", "pending"}
    assert all(r.decline_reason for r in ResidentReport.objects.filter(status="declined"))


def test_a_demo_report_is_followed_by_its_private_link(history, client):
    report = ResidentReport.objects.filter(status="accepted").first()
    seen = client.get(f"/api/v1/resident/reports/{demo_secret(report.tracking_code)}/").json()
    assert (seen["tracking_code"], seen["status"]) == (report.tracking_code, "accepted")
