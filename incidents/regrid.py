"""What a re-division of the grids does to cases (grids.generations): every case not yet finished
in a retired grid moves to the new grid covering its place, with an event (actions.regridded);
closed and rejected cases keep the grid they were reported in."""

from django.utils.translation import gettext as _

from .actions import IncidentState, regridded
from .models import Incident, IncidentEvent, Status

FINISHED = (Status.CLOSED, Status.REJECTED)


def move_cases(change, plan):
    cases = (
        Incident.objects.select_for_update()
        .filter(grid_id__in=change.retired)
        .exclude(status__in=FINISHED)
        .order_by("code")
    )
    actor_id = change.user.pk if change.user is not None else None
    for case in cases:
        old = change.retired[case.grid_id]
        new = change.grid_at(case.location, case.grid_id)
        state, event = regridded(IncidentState.of(case), old.code, new.code, change.at, actor_id)
        state.put_on(case)
        case.grid = new
        case.save(update_fields=["grid", *IncidentState.__dataclass_fields__])
        IncidentEvent.objects.create(incident=case, **event.fields())
        plan.move("case", case.code, old.code, new.code, case.id)
        if not new.geom.covers(case.location):
            plan.conflict(
                "case_outside", new.code, _("Case %(code)s lies outside every new grid.") % {"code": case.code}
            )
