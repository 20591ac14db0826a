"""A re-division of the grids and the residents: a report still waiting moves to the new grid
covering its place, and the old grid's QR code keeps working and leads to the new grid."""

from django.contrib.gis.geos import LineString

from grids import generations
from grids.models import Area
from residents.models import ResidentReport


def split_in_two(city, grid):
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    draft = generations.start_draft(city.code)
    generations.split(draft.id, grid.code, LineString((middle, y0 - 0.001), (middle, y1 + 0.001), srid=4326))
    return generations.activate(draft.id, user=city.users["admin"])


def test_a_waiting_report_moves_and_the_old_code_leads_to_the_new_grid(city, resident):
    grid = city.grid_of("grid_worker")
    x0, y0, x1, y1 = grid.geom.extent
    east = (x1 - 0.0005, (y0 + y1) / 2)
    sent = resident.report(city.codes["grid"], lon=east[0], lat=east[1], located_by="gps")
    plan = split_in_two(city, grid)
    west_half, east_half = sorted(Area.objects.filter(code__in=plan.added), key=lambda a: a.geom.extent[0])
    report = ResidentReport.objects.get(tracking_code=sent["tracking_code"])
    assert report.grid == east_half
    assert ("qr_code", city.codes["grid"].token) in {(m.kind, m.what) for m in plan.moves}
    # the poster on the wall: its page names the grid that holds most of the old one (a tie: the lower code)
    page = resident.client.get(f"/r/{city.codes['grid'].token}/")
    assert page.status_code == 200 and west_half.name in page.content.decode()
    again = resident.report(city.codes["grid"])  # no place given: the code's place
    assert ResidentReport.objects.get(tracking_code=again["tracking_code"]).grid == west_half
