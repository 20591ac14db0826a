"""A re-division of the grids and the members' work: a request under way moves to the new grid (or
the one holding most of the old grid, for a request with no place), the members' links are divided
between the new grids, and the request is then offered to the new grid's linked members."""

from django.contrib.gis.geos import LineString

from grids import generations
from grids.models import Area, HouseholdLink
from tests.volunteers.test_requests import asked
from volunteers import services
from volunteers.models import ServiceRequest


def test_a_request_under_way_and_the_links_follow_the_re_division(cast):
    grid = cast.grid
    request = asked(cast)
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    draft = generations.start_draft(cast.city.code)
    generations.split(draft.id, grid.code, LineString((middle, y0 - 0.001), (middle, y1 + 0.001), srid=4326))
    plan = generations.activate(draft.id)
    halves = sorted(Area.objects.filter(code__in=plan.added), key=lambda a: a.code)
    request.refresh_from_db()
    assert request.grid == halves[0] and request.version == 2  # no place: the larger part (a tie: the lower code)
    assert ("service_request", request.tracking_code) in {(m.kind, m.what) for m in plan.moves}
    # 李明's 40 households are now 20 in each half
    li = cast.person["li"]
    assert sorted(HouseholdLink.objects.active().filter(person=li).values_list("households", flat=True)) == [20, 20]
    accepted = services.accept(cast["sun"], request.tracking_code, request.version)
    assert accepted.status == ServiceRequest.Status.OFFERED and accepted.tier == ServiceRequest.Tier.LINKED
