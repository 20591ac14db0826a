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
from datetime import date, datetime

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


# Who may take an action (Action.who names one or more; incidents.workflow checks them):
AREA = "area"  # changes the case's area (its grid worker, a dispatcher over it), the case not with a department
HOLDER = "holder"  # the case's lead department's people while it is with one; else as AREA
DISPATCHER = "dispatcher"  # a dispatcher over the case's area
STREET_DISPATCHER = "street_dispatcher"  # a dispatcher over the case's street
DEPARTMENT = "department"  # the people of a department the case is dispatched to (lead or co-handler)
GRID_WORKER = "grid_worker"  # a grid worker of the case's grid
LEADER = "leader"  # a leader over the case's area
REPORTER = "reporter"  # who reported it (not the staff who accepted a resident's report: RESIDENT)
RESIDENT = "resident"  # the resident whose report became the case, by their private link (residents/);
# the actions they take are those incidents.events.BY_RESIDENTS names, whose events have no actor
# (an administrator may take any action anyone may)


@dataclass(frozen=True)
class Action:
    sources: tuple  # statuses it may start from
    target: str | None  # the status it leads to (None: unchanged)
    who: tuple  # the kinds of people above who may take it
    needs_reason: bool = False
    label: str = ""
    # Four eyes: whoever resolved the case may not take this action on that resolution.
    not_by_resolver: bool = False
    step: int = 0  # levels it moves the case: +1 up, -1 down; the deadline restarts at the new level
    restarts_deadline: bool = False  # the deadline restarts where the case is (a reopened case)
    settles_rating: bool = False  # a dispatcher's decision on a poor rating that awaits one
    levels: tuple = ()  # the levels it may be taken at, when not every one


def _action(sources, target, who, label, **fields):
    return Action(tuple(sources), target, tuple(who) if isinstance(who, tuple) else (who,), label=label, **fields)


S = Status
OPEN = (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS)
DONE = (S.RESOLVED, S.VERIFIED, S.CLOSED)
ACTIONS = {
    "accept": _action((S.REPORTED,), S.ACCEPTED, AREA, gettext_lazy("accept")),
    "start": _action((S.ACCEPTED,), S.IN_PROGRESS, HOLDER, gettext_lazy("start")),
    "resolve": _action((S.ACCEPTED, S.IN_PROGRESS), S.RESOLVED, HOLDER, gettext_lazy("resolve")),
    "close": _action(
        (S.RESOLVED, S.VERIFIED),
        S.CLOSED,
        DISPATCHER,
        gettext_lazy("verify and close"),
        not_by_resolver=True,
        settles_rating=True,
    ),
    "escalate": _action(
        (S.REPORTED, S.ACCEPTED, S.IN_PROGRESS), S.REPORTED, AREA, gettext_lazy("escalate"), needs_reason=True, step=+1
    ),
    "return": _action(
        (S.REPORTED, S.ACCEPTED), S.REPORTED, DISPATCHER, gettext_lazy("return"), needs_reason=True, step=-1
    ),
    "reject": _action((S.REPORTED, S.ACCEPTED), S.REJECTED, AREA, gettext_lazy("reject"), needs_reason=True),
    "reopen": _action(
        DONE,
        S.IN_PROGRESS,
        DISPATCHER,
        gettext_lazy("reopen"),
        needs_reason=True,
        restarts_deadline=True,
        settles_rating=True,
    ),
    "rate": _action(DONE, None, (REPORTER, RESIDENT), gettext_lazy("rate")),
    # the resident adds what they know (a note, photos) by their private link while it is open
    "add_note": _action((*OPEN, S.PARKED), None, RESIDENT, gettext_lazy("add to the report")),
    "keep_closed": _action(
        (S.CLOSED,),
        None,
        DISPATCHER,
        gettext_lazy("keep closed despite the rating"),
        needs_reason=True,
        settles_rating=True,
    ),
    # --- departments (派遣、签收、退单), deadlines (延期), parking (挂账) ------------------------------
    "dispatch": _action(
        (S.REPORTED, S.ACCEPTED, S.IN_PROGRESS),
        S.DISPATCHED,
        DISPATCHER,
        gettext_lazy("dispatch to a department"),
        levels=(Level.COMMUNITY, Level.STREET),
    ),
    "sign": _action((S.DISPATCHED, S.IN_PROGRESS), None, DEPARTMENT, gettext_lazy("sign for")),
    "contest": _action(
        (S.DISPATCHED, S.IN_PROGRESS), None, DEPARTMENT, gettext_lazy("contest (not ours)"), needs_reason=True
    ),
    "extend": _action(
        (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS), None, HOLDER, gettext_lazy("ask for an extension"), needs_reason=True
    ),
    "approve_extension": _action(OPEN, None, (DISPATCHER, LEADER), gettext_lazy("approve the extension")),
    "refuse_extension": _action(
        OPEN, None, (DISPATCHER, LEADER), gettext_lazy("refuse the extension"), needs_reason=True
    ),
    "park": _action(
        (S.ACCEPTED, S.IN_PROGRESS), S.PARKED, (STREET_DISPATCHER, LEADER), gettext_lazy("park"), needs_reason=True
    ),
    "unpark": _action((S.PARKED,), None, (STREET_DISPATCHER, LEADER), gettext_lazy("resume"), restarts_deadline=True),
    # --- verification on site (核查), supervision (督办), call-back (回访) ------------------------------
    "verify": _action((S.RESOLVED,), S.VERIFIED, GRID_WORKER, gettext_lazy("verify on site")),
    "rework": _action(
        (S.RESOLVED,),
        S.IN_PROGRESS,
        GRID_WORKER,
        gettext_lazy("send back for rework"),
        needs_reason=True,
        restarts_deadline=True,
    ),
    "supervise": _action((*OPEN, S.PARKED), None, LEADER, gettext_lazy("supervise"), needs_reason=True),
    "callback": _action(DONE, None, (DISPATCHER, LEADER), gettext_lazy("record a call-back")),
}
# A re-division of the grids moved the case to the new grid covering its place (grids.generations):
# no one takes it as an action; the administrator who activates the generation is its actor.
REGRID = "regrid"
EVENT_KINDS = (REPORT, *ACTIONS, REGRID)  # every action an event may record
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
    department_id: int | None = None  # the lead department holding it
    due_from: datetime | None = None  # when the time to due_at started
    needs_verification: bool = False
    review_on: date | None = None
    supervised_at: datetime | None = None

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
    state = IncidentState(Status.REPORTED.value, first, grid_code, level_deadline(category, first, at), due_from=at)
    return state, Event(at, actor_id, REPORT, "", state.status, "", state.level)


def regridded(state, old_grid_code, new_grid_code, at, actor_id):
    """(the state of a case a re-division moves from one grid to another, its event): at the grid
    level its area is the new grid; above, its area stays (a grid is re-divided within its
    community). Nothing else changes: status, level, deadline and holder stay as they were."""
    after = replace(state, area_code=area_at(new_grid_code, state.level), version=state.version + 1)
    note = f"{old_grid_code} → {new_grid_code}"
    event = Event(
        at, actor_id, REGRID, state.status, state.status, state.level, state.level, "", note, state.department_id
    )
    return after, event


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


@dataclass(frozen=True)
class Details:
    """What an action takes besides its reason and note, each for the actions named."""

    rating: int | None = None  # rate
    comment: str = ""  # rate
    department_id: int | None = None  # dispatch: the lead; sign, contest: the department acting
    lead: bool = True  # sign, contest: the acting department is the lead, not a co-handler
    handling_hours: int | None = None  # dispatch, rework and resume of a dispatched case: its time
    due_at: datetime | None = None  # approve_extension: the new deadline
    review_on: date | None = None  # park
    satisfied: bool | None = None  # callback: None when the resident was not reached


def transition(action, state, grid_code, category, at, actor_id=SYSTEM, reason="", note="", details=Details(),
               deadline_of=deadline):  # fmt: skip
    """(the case's state after `action`, the event it writes), for a case in `state` reported in
    the grid `grid_code` under `category`, acted on at `at` by `actor_id`. Pure: it checks no right
    (incidents.workflow does); `deadline_of` lets a caller that moves many cases at once reuse a
    deadline it computed. A rating's event keeps what the reporter said: the rating as its reason,
    the comment as its note.

    Where a department holds the case its deadline is the department's handling time
    (`details.handling_hours`) rather than the level's. sign, contest and resume lead to a status
    that depends on the case: signing by the lead starts the work (in progress); a co-handler's
    signature or contest changes only its own dispatch; a contest by the lead gives the case back to
    its dispatcher (accepted, the level's time again); a resumed case goes back to its department
    (in progress) or to its level (accepted)."""
    spec = ACTIONS[action]
    after = replace(state, status=spec.target or state.status, version=state.version + 1)
    # The department the event concerns: the one it is sent to or acts for, else the holder's.
    department_id = details.department_id or state.department_id

    def restart(hours=None):
        if hours is not None:
            return deadline_of(at, hours, category.calendar_time)
        return level_deadline(category, state.level, at, deadline_of)

    if spec.step:
        level = next_level(state.level, spec.step)
        after = replace(
            after,
            level=level,
            area_code=area_at(grid_code, level),
            due_at=level_deadline(category, level, at, deadline_of),
        )
    elif action == "dispatch":
        after = replace(after, department_id=department_id, due_at=restart(details.handling_hours))
    elif action in ("sign", "contest"):
        if details.lead and action == "sign" and state.status == Status.DISPATCHED:
            after = replace(after, status=Status.IN_PROGRESS)
        elif details.lead and action == "contest":
            after = replace(after, status=Status.ACCEPTED, department_id=None, due_at=restart())
    elif action == "unpark":
        status = Status.IN_PROGRESS if state.department_id else Status.ACCEPTED
        after = replace(after, status=status, review_on=None, due_at=restart(details.handling_hours))
    elif spec.restarts_deadline:
        # A reopened case gets its time again: the old deadline belonged to the handling that failed,
        # and keeping it would let the sweep escalate it the moment it reopens.
        after = replace(after, due_at=restart(details.handling_hours if state.department_id else None))
    if action == "resolve":
        # A department's resolution is checked on site by the grid's worker before it is closed
        # (派遣 → 处置 → 核查); one made in the grid, community or street by whoever closes it.
        after = replace(after, needs_verification=state.department_id is not None)
    elif action in ("verify", "rework"):
        after = replace(after, needs_verification=False)
    elif action == "park":
        after = replace(after, review_on=details.review_on)
    elif action == "approve_extension":
        after = replace(after, due_at=details.due_at)
    elif action == "supervise":
        after = replace(after, supervised_at=at)
    elif action == "callback" and details.satisfied is False:
        after = replace(after, awaits_rating_decision=True)
    elif action == "rate":
        rating, comment = details.rating, details.comment
        after = replace(after, rating=rating, rating_comment=comment, awaits_rating_decision=rating <= POOR_RATING)
        reason, note = rating_reason(rating), comment or note
    if spec.settles_rating:
        after = replace(after, awaits_rating_decision=False)
    if after.due_at != state.due_at:
        after = replace(after, due_from=at)
    event = Event(
        at, actor_id, action, state.status, after.status, state.level, after.level, reason, note, department_id
    )
    return after, event
