"""What grids moves when a generation retires grids (grids.generations.activate): the people's
assignments, the grid Party groups, the household links and the service stations. Each move ends
the old row on the generation's day and starts a new one (history keeps who served the old grid),
except for a row that starts on that day or later, which is moved as it is."""

from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Assignment, HouseholdLink, PartyOrg, Role, ServiceStation
from .models.people import in_force

# The roles held in a grid, which follow its work to the new grid.
GRID_ROLES = (
    Role.GRID_WORKER,
    Role.PARTY_GROUP_LEADER,
    Role.SERVICE_TEAM_MEMBER,
    Role.IN_SERVICE_MEMBER,
    Role.VOLUNTEER,
)


def _carried(row, on, **changes):
    """`row` (an assignment or a link) moved on `on`: ended and continued as a new row, or changed in
    place when it starts on that day or later. Returns the row now in force."""
    if row.starts_on >= on:
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=list(changes))
        return row
    row.ends_on, ends_on = on, row.ends_on
    row.save(update_fields=["ends_on"])
    new = type(row).objects.get(pk=row.pk)
    new.pk = None
    new.starts_on, new.ends_on = on, ends_on
    for name, value in changes.items():
        setattr(new, name, value)
    new.save()
    return new


def _still(on):
    """In force on the day, or starting later."""
    return in_force(on) | Q(starts_on__gt=on)


def move_assignments(change, plan):
    rows = (
        Assignment.objects.filter(area_id__in=change.retired, role__in=GRID_ROLES)
        .filter(_still(change.on))
        .select_related("person")
        .order_by("area__code", "role", "person_id")
    )
    for row in rows:
        old = change.retired[row.area_id]
        new = change.target_of(row.area_id)
        _carried(row, change.on, area=new)
        plan.move("assignment", f"{row.person.name} · {row.get_role_display()}", old.code, new.code, row.person_id)
    for grid in sorted(change.added.values(), key=lambda a: a.code):
        workers = Assignment.objects.filter(in_force(change.on), area=grid, role=Role.GRID_WORKER).count()
        if workers == 0:
            plan.conflict("no_grid_worker", grid.code, _("Grid %(code)s has no grid worker.") % {"code": grid.code})
        elif workers > 1:
            plan.conflict(
                "several_grid_workers",
                grid.code,
                _("Grid %(code)s gets %(n)d grid workers.") % {"code": grid.code, "n": workers},
            )


def move_party_groups(change, plan):
    """Each new grid gets a Party group continuing the one of the old grid it took most ground from
    (same leader); the old groups stay with the old grids, as history."""
    groups = {org.area_id: org for org in PartyOrg.objects.filter(area_id__in=change.retired).select_related("leader")}
    best = {}  # new id → (share of the new grid's ground, old id)
    for old_id, successors in change.successors.items():
        for new, share in successors:
            ground = share * change.retired[old_id].geom.area
            if old_id in groups and ground > best.get(new.id, (0, None))[0]:
                best[new.id] = (ground, old_id)
    # the administrator's choice: the old grid's group goes to the chosen grid
    for old_id in groups:
        chosen = change.target_of(old_id)
        if change.generation.choices.get(change.retired[old_id].code):
            best[chosen.id] = (float("inf"), old_id)
    leaders = defaultdict(list)
    for new_id, (_ground, old_id) in sorted(best.items(), key=lambda item: change.added[item[0]].code):
        old_group, new = groups[old_id], change.added[new_id]
        PartyOrg.objects.create(
            area=new,
            kind=old_group.kind,
            name=_group_name(old_group, change.retired[old_id], new),
            leader=old_group.leader,
        )
        plan.move("party_group", old_group.name, change.retired[old_id].code, new.code, old_group.id)
        if old_group.leader_id:
            leaders[old_group.leader_id].append(new.code)
    for new in sorted(change.added.values(), key=lambda a: a.code):
        if new.id not in best:
            plan.conflict("no_party_group", new.code, _("Grid %(code)s has no Party group.") % {"code": new.code})
    for codes in leaders.values():
        if len(codes) > 1:
            plan.conflict(
                "one_leader_for_several_groups",
                codes[0],
                _("One leader leads the Party groups of grids %(codes)s.") % {"codes": "、".join(codes)},
            )


def _group_name(group, old, new):
    if old.name and old.name in group.name:
        return group.name.replace(old.name, new.name)
    return f"{new.name} · {group.name}"


def move_household_links(change, plan):
    """A link's households are divided among the new grids by the share of the old grid each took
    (largest remainder, so none is lost); a share that rounds to no household makes no link."""
    links = (
        HouseholdLink.objects.filter(grid_id__in=change.retired)
        .filter(_still(change.on))
        .select_related("person")
        .order_by("grid__code", "person_id", "id")
    )
    for link in links:
        old = change.retired[link.grid_id]
        successors = change.successors[link.grid_id]
        exact = [link.households * share for _new, share in successors]
        whole = [int(x) for x in exact]
        for i in sorted(range(len(exact)), key=lambda i: exact[i] - whole[i], reverse=True)[
            : link.households - sum(whole)
        ]:
            whole[i] += 1
        parts = [(new, n) for (new, _share), n in zip(successors, whole, strict=True) if n > 0]
        first, *others = parts or [(change.target_of(link.grid_id), link.households)]
        carried = _carried(link, change.on, grid=first[0], households=first[1])
        plan.move("household_link", f"{link.person.name} · {first[1]}", old.code, first[0].code, link.person_id)
        for new, n in others:
            HouseholdLink.objects.create(
                person=link.person,
                grid=new,
                households=n,
                starts_on=max(change.on, carried.starts_on),
                ends_on=carried.ends_on,
            )
            plan.move("household_link", f"{link.person.name} · {n}", old.code, new.code, link.person_id)


def move_stations(change, plan):
    for station in ServiceStation.objects.filter(area_id__in=change.retired).order_by("name"):
        old = change.retired[station.area_id]
        new = change.grid_at(station.location, station.area_id)
        station.area = new
        station.save(update_fields=["area"])
        plan.move("station", station.name, old.code, new.code, station.id)


MOVERS = (
    ("assignments", move_assignments),
    ("party_groups", move_party_groups),
    ("household_links", move_household_links),
    ("stations", move_stations),
)
