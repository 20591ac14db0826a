"""What a re-division of the grids does to the residents' side (grids.generations): a report still
waiting to be accepted moves to the new grid covering its place; a QR code of a retired grid keeps
working and leads to the grid that took most of its ground (intake.live_code follows it), so a
poster on a wall never stops working."""

from .models import PlaceCode, ResidentReport


def move_resident_side(change, plan):
    pending = ResidentReport.objects.filter(grid_id__in=change.retired, status=ResidentReport.Status.PENDING)
    for report in pending.order_by("id"):
        old = change.retired[report.grid_id]
        new = change.grid_at(report.location, report.grid_id)
        report.grid = new
        report.save(update_fields=["grid"])
        plan.move("resident_report", report.tracking_code, old.code, new.code, report.id)
    live = PlaceCode.objects.filter(area_id__in=change.retired, retired_at__isnull=True)
    for code in live.order_by("id"):
        old = change.retired[code.area_id]
        plan.move("qr_code", code.token, old.code, change.target_of(code.area_id).code, code.id)
