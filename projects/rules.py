"""Who may do what with a project, and when a milestone is overdue: each rule stated once, here, and
read by the services, the API, the pages and the figures.

| who                                                      | may                                          |
|----------------------------------------------------------|----------------------------------------------|
| sees the project's area (grids.scopes), or is its owner  | read it, its evidence and its history        |
| changes the project's area, or is its owner with a login | register, edit, add milestones, report, withdraw |
| changes or leads the area above the project's area       | verify (销号) and return a milestone,         |
|   (a community's street, a street's district)            | close off the project                        |

A reviewer never verifies the evidence they reported themselves; a project is closed off by a
reviewer who reported none of its evidence.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from grids.models import Level
from grids.models.areas import parent_code, under_codes
from grids.scopes import Forbidden

from .models import Milestone, Project

# A project belongs to a street or a community: the levels where the practice runs them.
PROJECT_LEVELS = (Level.STREET, Level.COMMUNITY)


def sees(scope, project):
    return scope.sees(project.area.code) or owns(scope, project)


def owns(scope, project):
    return scope.user_id is not None and project.owner.user_id == scope.user_id


def projects_seen(scope, queryset=None):
    """The projects a scope reads: in its areas, and those it owns."""
    queryset = Project.objects.all() if queryset is None else queryset
    if scope.everything:
        return queryset
    condition = under_codes(scope.read, "area__code")
    if scope.user_id is not None:
        condition |= Q(owner__user_id=scope.user_id)
    return queryset.filter(condition)


def changes(scope, project):
    """Registers, edits, reports progress and withdraws: the area's staff and the owner."""
    return scope.changes(project.area.code) or owns(scope, project)


def check_changes(scope, project):
    if not changes(scope, project):
        raise Forbidden(_("Only the staff of the project's area and its owner may change it."), field="project")


def reviews(scope, project):
    """Verifies, returns and closes off: who changes or leads the area above the project's area."""
    return scope.oversees(parent_code(project.area.code))


def check_reviews(scope, project):
    if not reviews(scope, project):
        raise Forbidden(
            _("Only the staff or leaders of the area above the project's area verify its evidence."),
            field="project",
        )


def check_not_own_evidence(scope, reporter_ids):
    if scope.user_id in set(reporter_ids):
        raise Forbidden(_("You reported this evidence; another reviewer verifies it."), field="project")


# --- overdue: past its due date and not closed off, in a project still under way -----------------
# The rule in Python (one milestone) and as a Q (querysets and figures), side by side.


def is_overdue(milestone, today):
    return (
        milestone.status != Milestone.Status.CLOSED_OFF
        and milestone.due_on < today
        and milestone.project.status == Project.Status.OPEN
    )


def overdue_q(today, milestone="", project="project__"):
    """The milestones overdue on `today` as a condition: on Milestone by default, or on a model that
    reaches milestones through `milestone` (e.g. "milestones__" with project="" on Project)."""
    return Q(**{f"{milestone}due_on__lt": today, f"{project}status": Project.Status.OPEN}) & ~Q(
        **{f"{milestone}status": Milestone.Status.CLOSED_OFF}
    )
