"""A year of cases for the demo city, made by walking each case through the workflow's own action
table (incidents.workflow.ACTIONS): every step is an action whose source status the case is in, so
every case's events agree with its final state, level, responsible area and version.

Cases gather around a few hot spots (markets, the old town's lanes, a school gate) on top of a thin
spread over every grid; most close in the grid, some climb to the community, a few to the street;
most reporters rate the result, and a poor rating reopens the case. Deterministic for a seed.
Written in bulk, a few statements for the whole year.
"""

import uuid
from datetime import timedelta

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from govgrid.lib.worktime import deadline
from grids.models import Area, Assignment, Role

from .models import Category, Incident, IncidentEvent
from .workflow import ACTIONS, POOR_RATING, next_level


def _later(rng, at, hours):
    """A moment after `at`, about `hours` later (exponentially spread, as real handling times are)."""
    return at + timedelta(hours=float(rng.exponential(hours)) + 0.1)


def _step(case, events, action, at, actor, reason=""):
    spec = ACTIONS[action]
    assert case["status"] in spec.sources, (action, case["status"])  # the workflow's own rule
    before = (case["status"], case["level"])
    if action in ("escalate", "return"):
        case["level"], case["area_code"], case["due_at"] = next_level(
            case["level"], case["grid_code"], case["category"], 1 if action == "escalate" else -1, at
        )
    case["status"] = spec.target or case["status"]
    case["version"] += 1
    events.append(
        dict(
            at=at,
            actor_id=actor,
            action=action,
            from_status=before[0],
            to_status=case["status"],
            from_level=before[1],
            to_level=case["level"],
            reason=reason,
        )
    )


def build_history(district_code="411381", cases=20000, days=365, seed=7):
    """Create `cases` cases received over the last `days` days; returns how many were made."""
    rng = np.random.default_rng(seed)
    now = timezone.now()
    grids = list(Area.objects.within(district_code).grids().only("id", "code", "geom", "households"))
    if not grids or cases <= 0:
        return 0
    items = list(Category.objects.filter(parent__isnull=False, active=True))
    weights = np.array(
        [{"03": 5, "05": 4, "01": 3, "02": 2, "04": 1, "06": 2, "07": 1, "08": 1}.get(c.code[:2], 1) for c in items],
        dtype=float,
    )
    workers = dict(
        Assignment.objects.active()
        .filter(role=Role.GRID_WORKER, area__in=grids)
        .values_list("area_id", "person__user_id")
    )
    dispatcher = get_user_model().objects.filter(username="community_dispatcher").values_list("id", flat=True).first()
    fallback = get_user_model().objects.filter(is_superuser=True).values_list("id", flat=True).first()

    shapes = shapely.from_wkb([bytes(g.geom.wkb) for g in grids])
    centres = shapely.get_coordinates(shapely.centroid(shapes))
    hot = centres[rng.choice(len(grids), size=6, replace=False)]
    tree = shapely.STRtree(shapes)

    made, events_of = [], []
    for n in range(cases):
        if rng.uniform() < 0.45:  # around a hot spot, within a few hundred metres
            x, y = hot[rng.integers(len(hot))] + rng.normal(0, 0.0035, 2)
        else:
            x, y = centres[rng.integers(len(grids))] + rng.normal(0, 0.0008, 2)
        hits = tree.query(shapely.points(x, y), predicate="intersects")
        if len(hits) == 0:
            continue
        grid = grids[int(min(hits, key=lambda i: grids[i].code))]
        category = items[int(rng.choice(len(items), p=weights / weights.sum()))]
        received = now - timedelta(days=float(rng.uniform(0, days)))
        received = received.replace(hour=int(rng.choice([8, 9, 10, 11, 14, 15, 16, 17, 19])))
        if received >= now:
            continue
        reporter = workers.get(grid.id) or fallback
        case = {
            "grid_code": grid.code,
            "level": "grid",
            "area_code": grid.code,
            "status": "reported",
            "version": 1,
            "category": category,
            "due_at": deadline(received, category.deadline_hours("grid"), category.calendar_time),
        }
        events = [
            dict(
                at=received,
                actor_id=reporter,
                action="report",
                from_status="",
                to_status="reported",
                from_level="",
                to_level="grid",
                reason="",
            )
        ]
        at = received
        age_days = (now - received).days
        rating = None
        roll = rng.uniform()
        if roll < 0.03:
            at = _later(rng, at, 2)
            _step(case, events, "reject", at, dispatcher or reporter, reason="无效或重复上报")
        else:
            for threshold, reason in ((0.17, "超出网格处置能力"), (0.05, "需街道协调")):
                if rng.uniform() < threshold / (1 if case["level"] == "grid" else 0.3):
                    at = _later(rng, at, 6)
                    _step(case, events, "escalate", at, reporter if case["level"] == "grid" else dispatcher, reason)
                else:
                    break
            if age_days >= 2 or rng.uniform() < 0.5:
                handler = reporter if case["level"] == "grid" else dispatcher or reporter
                for action in ("accept", "start", "resolve"):
                    at = _later(rng, at, {"accept": 1, "start": 2, "resolve": 10}[action])
                    _step(case, events, action, at, handler)
                if age_days >= 3 or rng.uniform() < 0.6:
                    at = _later(rng, at, 8)
                    _step(case, events, "close", at, dispatcher or handler)
                    if rng.uniform() < 0.7:
                        rating = int(rng.choice([5, 5, 5, 4, 4, 3, 2, 1]))
                        at = _later(rng, at, 24)
                        _step(case, events, "rate", at, reporter)
                        if rating <= POOR_RATING:  # a poor rating reopens the case
                            _step(case, events, "reopen", at, reporter, reason="居民不满意")
                            for action in ("resolve", "close"):
                                at = _later(rng, at, 12)
                                _step(
                                    case, events, action, at, handler if action == "resolve" else dispatcher or handler
                                )
        if at >= now:
            continue
        made.append(
            Incident(
                code=f"{district_code}-{received:%Y%m%d}-H{n:05d}",
                client_id=uuid.uuid4(),
                fingerprint="demo",
                category=category,
                description=f"{category.name}（演示）",
                location=Point(x, y, srid=4326),
                input_lon=float(x),
                input_lat=float(y),
                input_crs="wgs84",
                accuracy_m=float(rng.uniform(3, 30)),
                grid_id=grid.id,
                area_code=case["area_code"],
                reporter_id=reporter,
                reported_at=received,
                received_at=received,
                status=case["status"],
                level=case["level"],
                due_at=case["due_at"],
                version=case["version"],
                rating=rating,
            )
        )
        events_of.append(events)

    with transaction.atomic():
        Incident.objects.bulk_create(made, batch_size=5000)
        rows = [
            IncidentEvent(incident=incident, **event)
            for incident, events in zip(made, events_of, strict=True)
            for event in events
        ]
        IncidentEvent.objects.bulk_create(rows, batch_size=10000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_incident; ANALYZE incidents_incidentevent")
    return len(made)
