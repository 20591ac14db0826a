"""What a re-division of the grids does to service requests (grids.generations): a request still
under way in a retired grid moves to the new grid covering its place (or the one that took most of
the old grid, for a request with no place), so it is offered to the new grid's members."""

from django.utils import timezone

from .models import ServiceRequest

UNDER_WAY = (
    ServiceRequest.Status.ASKED,
    ServiceRequest.Status.OFFERED,
    ServiceRequest.Status.CLAIMED,
    ServiceRequest.Status.DONE,
)


def move_requests(change, plan):
    requests = ServiceRequest.objects.select_for_update().filter(grid_id__in=change.retired, status__in=UNDER_WAY)
    for request in requests.order_by("id"):
        old = change.retired[request.grid_id]
        new = change.grid_at(request.location, request.grid_id)
        request.grid = new
        request.version += 1
        request.updated_at = timezone.now()
        request.save(update_fields=["grid", "version", "updated_at"])
        plan.move("service_request", request.tracking_code, old.code, new.code, request.id)
