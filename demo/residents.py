"""The residents' part of the demo's year (码上办): every grid and community has its QR code, and
about three cases in ten come from a resident's report by a code rather than from the grid worker's
phone. Such a case was accepted (立案) by the grid's worker (or the community's dispatcher) when it
was received, and it is the resident, by their private link, who rates it (demo.history). Beside
them, reports that never became a case of their own: declined with a reason, merged into an open
case nearby, and the last few days' still waiting, some past their deadline (受理及时率).

The reports are written in bulk with the cases. A real report's link secret is made on the phone
and known to nobody else; a demo report's is derived from its tracking code (`demo_secret`), so the
demo's reports can be followed, and only the demo's.
"""

import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from govgrid.lib.worktime import deadline
from grids.models import Area, ServiceStation
from residents.codes import code_for, codes_for
from residents.intake import new_tracking_code
from residents.links import digest_of
from residents.models import ResidentReport
from residents.topics import TOPICS

RESIDENT_SHARE = 0.3  # cases that come from a resident's report by a QR code
DECLINE_REASONS = ["不属于网格处置事项，已告知拨打12345", "重复上报，已有案件处理中", "信息不全，无法核实位置"]
ASIDE = {"declined": 0.06, "merged": 0.05}  # of the residents' reports, those that made no case of their own
TOPIC_BY_CATEGORY = {topic.category: key for key, topic in TOPICS.items() if topic.category}


def topic_of(category):
    """The topic a resident would most likely have chosen for a case of this category item."""
    return TOPIC_BY_CATEGORY.get(category.code) or TOPIC_BY_CATEGORY.get(category.code[:2] + "01") or "other"


def place_codes(district_code):
    """A QR code for every grid, community and service station of the district; returns how many."""
    areas = Area.objects.within(district_code).filter(level__in=["grid", "community"])
    stations = ServiceStation.objects.filter(area__code__startswith=district_code)
    return len(codes_for(areas)) + len([code_for(station) for station in stations])


def write_reports(made, from_residents, rng, now=None):
    """The residents' reports of the year: one accepted report for each case in `made` flagged in
    `from_residents`, and the reports that made no case of their own around them. Returns how many."""
    now = now or timezone.now()
    reports = []
    for incident, resident in zip(made, from_residents, strict=True):
        if not resident:
            continue
        received = incident.received_at - timedelta(minutes=float(rng.uniform(3, 90)))
        reports.append(_report(incident, received, "accepted", incident.received_at, incident.reporter_id))
        aside = rng.uniform()
        if aside < ASIDE["declined"]:
            when = received + timedelta(hours=float(rng.uniform(0.5, 6)))
            report = _report(incident, received, "declined", when, incident.reporter_id, incident=None)
            report.decline_reason = str(rng.choice(DECLINE_REASONS))
            reports.append(report)
        elif aside < ASIDE["declined"] + ASIDE["merged"]:
            when = received + timedelta(hours=float(rng.uniform(0.5, 6)))
            reports.append(_report(incident, received, "merged", when, incident.reporter_id))
    for incident in [i for i, r in zip(made, from_residents, strict=True) if r][-12:]:
        received = now - timedelta(hours=float(rng.uniform(1, 40)))  # the last days' still waiting
        reports.append(_report(incident, received, "pending", None, None, incident=None))
    ResidentReport.objects.bulk_create(reports, batch_size=2000)
    return len(reports)


def _report(case, received, status, decided_at, decided_by_id, **fields):
    client_id = uuid.uuid4()
    linked = fields.pop("incident", case)
    tracking_code = _unused_tracking_code()
    return ResidentReport(
        tracking_code=tracking_code,
        secret_digest=digest_of(demo_secret(tracking_code)),
        client_id=client_id,
        fingerprint="demo",
        grid_id=case.grid_id,
        topic=topic_of(case.category),
        description=case.description,
        location=case.location,
        located_by="gps",
        contact_name=case.contact_name,
        contact_phone=case.contact_phone,
        received_at=received,
        due_at=deadline(received, settings.RESIDENT_ACCEPT_HOURS),
        status=status,
        decided_at=decided_at,
        decided_by_id=decided_by_id,
        incident=linked,
        **fields,
    )


def demo_secret(tracking_code):
    """The private link's secret of a demo report (a real one's is the resident's alone)."""
    return hashlib.sha256(f"demo:{tracking_code}".encode()).hexdigest()[:22]


_drawn = set()


def _unused_tracking_code():
    """A tracking code not drawn before in this process (the table's unique index checks the rest)."""
    while (code := new_tracking_code()) in _drawn:
        pass
    _drawn.add(code)
    return code
