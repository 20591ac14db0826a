"""Who is told what of a project, in the transaction that writes it (notifications.outbox):

| when                                  | who                                                          |
|---------------------------------------|--------------------------------------------------------------|
| progress reported                     | its reviewers: the dispatchers and leaders of the area above |
| a milestone verified or returned      | the project's side: the area's dispatchers and the owner     |
| the project closed off                | the project's side                                           |
| a milestone falls overdue (the sweep) | the project's side, once per milestone                       |

Whoever made the change is not told of it. Those who may review from further up (a district's
leader over a community's project, administrators) read the register rather than being told of
every report.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from grids.models import Assignment, Role
from grids.models.areas import parent_code
from incidents.recipients import dispatchers_of
from notifications import outbox
from notifications.messages import renders

from . import rules
from .models import Milestone

KIND = "project"  # notifications of kind "project:reported", "project:returned"…
SWEEP_LIMIT = 5000  # overdue milestones looked at per sweep, the most recently fallen due first


def _page(project):
    return f"/projects/{project.pk}/"


def _params(project, milestone=None):
    return {"project": project.pk, "title": project.title, "milestone": milestone.title if milestone else ""}


def reviewers(project):
    """User ids of the dispatchers and leaders of the area one level above the project's."""
    above = parent_code(project.area.code)
    serving = Assignment.objects.active().filter(
        area__code=above, role__in=(Role.DISPATCHER, Role.LEADER), person__user__isnull=False
    )
    return set(serving.values_list("person__user_id", flat=True))


def project_side(project):
    """User ids of the project area's dispatchers and of its owner (with a login)."""
    return dispatchers_of(project.area.code) | ({project.owner.user_id} if project.owner.user_id else set())


def tell(project, what, actor, now, milestone=None):
    """Tell of a change (`what`: reported, verified, returned, closed_off) those it concerns."""
    users = (reviewers(project) if what == "reported" else project_side(project)) - {actor.pk}
    source = f"project:{project.pk}:{what}:{milestone.pk if milestone else ''}:{now.isoformat()}"
    return outbox.queue(users, source, f"{KIND}:{what}", _params(project, milestone), _page(project), now)


def tell_overdue(now=None):
    """The worker's sweep: the project's side of each milestone fallen overdue, told once (the
    source names the milestone alone). Returns how many were told."""
    now = now or timezone.now()
    overdue = (
        Milestone.objects.filter(rules.overdue_q(timezone.localdate(now)))
        .select_related("project__area", "project__owner")
        .order_by("-due_on", "-id")[:SWEEP_LIMIT]  # the newly overdue first; those told before are skipped
    )
    sides = {}
    items = []
    for milestone in overdue:
        project = milestone.project
        if project.pk not in sides:
            sides[project.pk] = project_side(project)
        params, source = _params(project, milestone), f"project-milestone:{milestone.pk}:overdue"
        items += [(user, source, f"{KIND}:overdue", params, _page(project), now) for user in sides[project.pk]]
    return outbox.queue_many(items)


TITLES = {
    "reported": gettext_lazy("Progress to review: %(title)s"),
    "verified": gettext_lazy("Milestone closed off: %(title)s"),
    "returned": gettext_lazy("Milestone returned: %(title)s"),
    "closed_off": gettext_lazy("Project closed off: %(title)s"),
    "overdue": gettext_lazy("Milestone overdue: %(title)s"),
}


@renders(KIND)
def project_words(notification):
    what = notification.kind.split(":", 1)[-1]
    title = TITLES.get(what)
    params = notification.params
    return (str(title) % {"title": params.get("title", "")} if title else notification.kind), params.get(
        "milestone", ""
    )
