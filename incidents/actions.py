"""What each action does to a case, described once: the table of actions and their effect.

reported → accepted → in progress → resolved → closed; escalated up one level (grid → community →
street; the street is the top); returned down one level with a reason; rejected as invalid or as a
duplicate; reopened after a failed check; rated by its reporter. ACTIONS says for each action where
it may start from, where it leads, who may take it and what it needs; `transition` is its effect on
a case's state (status, level, responsible area, deadline, version, rating) and the events it
writes. Every path that changes a case takes its effect from here: `act` (incidents.workflow), the
deadline sweep (incidents.sweep), intake for the first state and the report event (`reported`), and
the demo history, which walks cases through the same function.

Deadlines restart at each level from the category's hours for that level, and again when a case
is reopened, in working time unless the category counts calendar time (govgrid.lib.worktime).
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.errors import Conflict
from govgrid.lib.worktime import deadline
from grids.models import CODE_LENGTH, Level

from .events import SYSTEM, Event
from .models import Status

# The escalation chain, lowest first: a case is reported at the first and the last is the top.
LEVELS = (Level.GRID, Level.COMMUNITY, Level.STREET)
REPORT = "report"  # the first event of every case, written by intake


@dataclass(frozen=True)
class Action:
    sources: tuple  # statuses it may start from
    target: str | None  # the status it leads to (None: unchanged)
    who: str  # "handler": may change the case's area; "dispatcher": a dispatcher over it; "reporter"
    needs_reason: bool = False
    label: str = ""
    # Four eyes: whoever resolved the case may not take this action on that resolution.
    not_by_resolver: bool = False
    step: int = 0  # levels it moves the case: +1 up, -1 down; the deadline restarts at the new level
    restarts_deadline: bool = False  # the deadline restarts at the same level (a reopened case)
    settles_rating: bool = False  # a dispatcher's decision on a poor rating that awaits one


ACTIONS = {
    "accept": Action((Status.REPORTED,), Status.ACCEPTED, "handler", label=gettext_lazy("accept")),
    "start": Action((Status.ACCEPTED,), Status.IN_PROGRESS, "handler", label=gettext_lazy("start")),
    "resolve": Action((Status.ACCEPTED, Status.IN_PROGRESS), Status.RESOLVED, "handler", label=gettext_lazy("resolve")),
    "close": Action(
        (Status.RESOLVED,),
        Status.CLOSED,
        "dispatcher",
        label=gettext_lazy("verify and close"),
        not_by_resolver=True,
        settles_rating=True,
    ),
    "escalate": Action(
        (Status.REPORTED, Status.ACCEPTED, Status.IN_PROGRESS),
        Status.REPORTED,
        "handler",
        needs_reason=True,
        label=gettext_lazy("escalate"),
        step=+1,
    ),
    "return": Action(
        (Status.REPORTED, Status.ACCEPTED),
        Status.REPORTED,
        "dispatcher",
        needs_reason=True,
        label=gettext_lazy("return"),
        step=-1,
    ),
    "reject": Action(
        (Status.REPORTED, Status.ACCEPTED), Status.REJECTED, "handler", needs_reason=True, label=gettext_lazy("reject")
    ),
    "reopen": Action(
        (Status.RESOLVED, Status.CLOSED),
        Status.IN_PROGRESS,
        "dispatcher",
        needs_reason=True,
        label=gettext_lazy("reopen"),
        restarts_deadline=True,
        settles_rating=True,
    ),
    "rate": Action((Status.RESOLVED, Status.CLOSED), None, "reporter", label=gettext_lazy("rate")),
    "keep_closed": Action(
        (Status.CLOSED,),
        None,
        "dispatcher",
        needs_reason=True,
        label=gettext_lazy("keep closed despite the rating"),
        settles_rating=True,
    ),
}
EVENT_KINDS = (REPORT, *ACTIONS)  # every action an event may record
POOR_RATING = 2  # a rating of 2 or less waits for a dispatcher's decision
# The dispatcher's decisions on a case whose poor rating awaits one: each settles it.
RATING_DECISIONS = tuple(name for name, spec in ACTIONS.items() if spec.settles_rating)


def rating_reason(rating):
    """What the `rate` event records as its reason: the rating given."""
    return _("Satisfaction rating: %(rating)d out of 5") % {"rating": rating}


def overdue_reason():
    """The reason of an escalation by the deadline sweep (its event's actor is SYSTEM)."""
    return _("deadline passed")


@dataclass(frozen=True)
class IncidentState:
    """What the workflow changes on a case."""

    status: str
    level: str
    area_code: str | None  # the responsible area; None for a report whose grid is not found yet
    due_at: datetime
    version: int = 1
    rating: int | None = None
    rating_comment: str = ""
    awaits_rating_decision: bool = False

    @classmethod
    def of(cls, incident):
        return cls(**{name: getattr(incident, name) for name in cls.__dataclass_fields__})

    def put_on(self, incident):
        for name in self.__dataclass_fields__:
            setattr(incident, name, getattr(self, name))


def reported(category, at, actor_id, grid_code=None):
    """(the first state of a case reported at `at`, its report event): reported, at the grid (the
    grid's code is its area code), due after the category's hours at the grid."""
    first = LEVELS[0].value
    state = IncidentState(Status.REPORTED.value, first, grid_code, level_deadline(category, first, at))
    return state, Event(at, actor_id, REPORT, "", state.status, "", state.level)


def level_deadline(category, level, at, deadline_of=deadline):
    """When a case at `level` falls due if its time there starts at `at`."""
    return deadline_of(at, category.deadline_hours(level), category.calendar_time)


def next_level(level, step):
    """The level `step` levels above (+1) or below (-1) `level`; a Conflict past either end."""
    if not moves_within_chain(level, step):
        if step > 0:
            raise Conflict(
                _("The street is the top level: the case cannot be escalated further."),
                field="action",
                code="top_level",
            )
        raise Conflict(
            _("The grid is the lowest level: the case cannot be returned further."), field="action", code="bottom_level"
        )
    return LEVELS[LEVELS.index(level) + step].value


def moves_within_chain(level, step):
    """Whether a case at `level` can move `step` levels and stay within the chain."""
    return 0 <= LEVELS.index(level) + step < len(LEVELS)


def area_at(grid_code, level):
    """The code of the area at `level` responsible for a case reported in the grid `grid_code`."""
    return grid_code[: CODE_LENGTH[Level(level)]]


def transition(
    action,
    state,
    grid_code,
    category,
    at,
    actor_id=SYSTEM,
    reason="",
    note="",
    rating=None,
    comment="",
    deadline_of=deadline,
):
    """(the case's state after `action`, the event it writes), for a case in `state` reported in
    the grid `grid_code` under `category`, acted on at `at` by `actor_id`. Pure: it checks no right
    (incidents.workflow does); `deadline_of` lets a caller that moves many cases at once reuse a
    deadline it computed. A rating's event keeps what the reporter said: the rating as its reason,
    the comment as its note."""
    spec = ACTIONS[action]
    after = replace(state, status=spec.target or state.status, version=state.version + 1)
    if spec.step:
        level = next_level(state.level, spec.step)
        after = replace(
            after,
            level=level,
            area_code=area_at(grid_code, level),
            due_at=level_deadline(category, level, at, deadline_of),
        )
    elif spec.restarts_deadline:
        # A reopened case gets its level's full time again: the old deadline belonged to the
        # handling that failed, and keeping it would let the sweep escalate it the moment it reopens.
        after = replace(after, due_at=level_deadline(category, state.level, at, deadline_of))
    if action == "rate":
        after = replace(after, rating=rating, rating_comment=comment, awaits_rating_decision=rating <= POOR_RATING)
        reason, note = rating_reason(rating), comment or note
    if spec.settles_rating:
        after = replace(after, awaits_rating_decision=False)
    event = Event(at, actor_id, action, state.status, after.status, state.level, after.level, reason, note)
    return after, event
