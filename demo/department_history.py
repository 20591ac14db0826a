"""The departments' part of the demo's year: cases a street hands to a department and what follows
(派遣、签收、退单、延期、挂账、督办、处置、核查与返工、结案、回访), in roughly the proportions a 12345 or
数字城管 centre reports. Each step is the action of incidents.actions taken through `transition` by
the account whose part it is; the records beside the events (dispatches, extensions, call-backs) are
collected per case and written in bulk with them (demo.history).

Of the cases a street keeps after the community handed them up, about seven in ten go to the
department the routing names; a quarter of those with a co-handler. About one dispatch in twelve is
contested and goes to the next department; one in ten is signed for late; one in ten asks for an
extension (seven in ten approved); three in a hundred are parked for two months; one in twenty is
supervised; one verification in eight sends the work back; a third of the closed cases are called
back, and a resident who is not satisfied has the case done again.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model

from govgrid.lib.worktime import deadline
from grids.models import Assignment, Level, Person, Role
from incidents.action_inputs import callback_summary, closed_without_verification
from incidents.actions import Details, area_at
from incidents.departments import dispatch_terms, routes
from incidents.models import Callback, Dispatch, Extension

CONTEST_REASONS = ["不属于本部门职责", "应由属地街道处置", "权属不清，请重新派遣"]
EXTENSION_REASONS = ["需采购材料", "涉及多个部门，协调中", "受天气影响无法施工"]
PARK_REASONS = ["需列入年度改造计划", "需专项资金", "涉及法院执行"]
SUPERVISION_NOTES = ["群众多次反映，请加快办理", "请于本周内办结并反馈"]
REWORK_REASONS = ["现场仍未整改到位", "处置不彻底，问题仍在"]
RESOLVE_NOTES = ["已现场处置", "已清理完毕", "已维修恢复"]
NO_WORKER = "本网格暂无网格员，无法现场核查"


class DepartmentStory:
    """The departments' steps of a case; `handlers` {department id: user id}, `leader` a user id."""

    def __init__(self, handlers, leader):
        self.handlers, self.leader = handlers, leader
        self._routes = {}

    def routes_of(self, category, street):
        key = (category.pk, street)
        if key not in self._routes:
            found = [(d, hours) for d, hours in routes(category, street) if d.pk in self.handlers]
            self._routes[key] = found
        return self._routes[key]

    def run(self, walk, until, rng):
        """Hand the case to a department and follow it; False when it stays with the street."""
        street = area_at(walk.grid_code, Level.STREET)
        candidates = self.routes_of(walk.category, street)
        if not candidates or rng.uniform() >= 0.7:
            return False
        dispatcher = walk.actors[street]
        for turn, (lead, hours) in enumerate(candidates):
            co = [d for d, _h in candidates[turn + 1 : turn + 2] if rng.uniform() < 0.25]
            if not self._dispatch(walk, until, rng, dispatcher, lead, hours, co):
                return True
            if turn + 1 < len(candidates) and rng.uniform() < 1 / 12:  # 退单, then the next one
                at = self._at(walk, rng, 2)
                if at >= until or at > deadline(walk.records[-1]["dispatched_at"], settings.CONTEST_HOURS):
                    return True
                self._act(walk, "contest", at, self.handlers[lead.pk], str(rng.choice(CONTEST_REASONS)),
                          Details(department_id=lead.pk, lead=True))  # fmt: skip
                for record in walk.records:
                    if record["kind"] == "dispatch" and record["ended_at"] is None:
                        record["ended_at"] = at
                        record["outcome"] = "contested" if record["department_id"] == lead.pk else "withdrawn"
                continue
            self._follow(walk, until, rng, lead, hours, dispatcher)
            return True
        return True

    # --- one department's handling --------------------------------------------------------------
    def _dispatch(self, walk, until, rng, dispatcher, lead, hours, co):
        at = self._at(walk, rng, 2)
        if at >= until:
            return False
        self._act(walk, "dispatch", at, dispatcher, "", Details(department_id=lead.pk, handling_hours=hours))
        street = area_at(walk.grid_code, Level.STREET)
        for department, role, sign_due, due in dispatch_terms(walk.category, street, lead, co, at, walk.state.due_at):
            walk.records.append(
                {"kind": "dispatch", "department_id": department.pk, "role": role, "dispatched_at": at,
                 "dispatched_by": dispatcher, "sign_due_at": sign_due, "signed_at": None, "signed_by": None,
                 "due_at": due, "ended_at": None, "outcome": ""}
            )  # fmt: skip
        return True

    def _follow(self, walk, until, rng, lead, hours, dispatcher):
        handler = self.handlers[lead.pk]
        late = rng.uniform() < 0.1
        if not self._step(walk, until, rng, "sign", 4 if late else 0.5, handler, details=Details(lead.pk, lead=True)):
            return
        self._signed(walk, lead.pk, handler)
        if rng.uniform() < 0.05:
            self._step(walk, until, rng, "supervise", 24, self.leader, str(rng.choice(SUPERVISION_NOTES)))
        if rng.uniform() < 0.1 and not self._extension(walk, until, rng, handler, dispatcher):
            return
        if rng.uniform() < 0.03:
            if not self._step(walk, until, rng, "park", 24, dispatcher, str(rng.choice(PARK_REASONS)),
                              Details(review_on=(walk.at + timedelta(days=60)).date())):  # fmt: skip
                return
            review = walk.at + timedelta(days=60)
            if review >= until:
                return
            walk.at = review
            if not self._step(walk, until, rng, "unpark", 2, dispatcher, details=Details(handling_hours=hours)):
                return
        worker = walk.actors.get(walk.grid_code)  # the grid's worker checks on site; some grids have none
        while True:
            if not self._step(walk, until, rng, "resolve", 0.4 * hours, handler, str(rng.choice(RESOLVE_NOTES))):
                return
            walk.resolved_by = handler
            if worker is None or rng.uniform() >= 1 / 8:
                break
            if not self._step(walk, until, rng, "rework", 8, worker, str(rng.choice(REWORK_REASONS)),
                              Details(handling_hours=hours)):  # fmt: skip
                return
        if not self._verify_and_close(walk, until, rng, worker, dispatcher):
            return
        if rng.uniform() < 1 / 3:
            self._callback(walk, until, rng, lead, hours, handler, dispatcher)

    def _extension(self, walk, until, rng, handler, dispatcher):
        asked = walk.state.due_at + timedelta(days=int(rng.integers(2, 8)))
        if not self._step(walk, until, rng, "extend", 16, handler, str(rng.choice(EXTENSION_REASONS))):
            return False
        record = {"kind": "extension", "department_id": walk.state.department_id, "requested_by": handler,
                  "requested_at": walk.at, "due_before": walk.state.due_at, "due_asked": asked,
                  "reason": walk.events[-1].reason, "decided_at": None}  # fmt: skip
        walk.records.append(record)
        approve = rng.uniform() < 0.7
        action = "approve_extension" if approve else "refuse_extension"
        reason = "" if approve else "时限内可以完成"
        if not self._step(walk, until, rng, action, 4, dispatcher, reason, Details(due_at=asked)):
            return False
        record |= {"decided_by": dispatcher, "decided_at": walk.at, "approved": approve, "decision_reason": reason}
        if approve:
            for dispatch in walk.records:
                if dispatch["kind"] == "dispatch" and dispatch["role"] == "lead" and dispatch["ended_at"] is None:
                    dispatch["due_at"] = asked
        return True

    def _callback(self, walk, until, rng, lead, hours, handler, dispatcher):
        reached = rng.uniform() < 0.85
        satisfied = bool(rng.uniform() < 0.85) if reached else None
        caller = self.leader if rng.uniform() < 0.3 else dispatcher
        words = callback_summary(reached, satisfied)
        if not self._step(walk, until, rng, "callback", 24, caller, words, Details(satisfied=satisfied)):
            return
        walk.records.append(
            {"kind": "callback", "department_id": lead.pk, "at": walk.at, "by": caller, "reached": reached,
             "satisfied": satisfied, "note": ""}
        )  # fmt: skip
        if satisfied is False:
            if self._step(walk, until, rng, "reopen", 8, dispatcher, "回访不满意，重办", Details(handling_hours=hours)):
                if self._step(walk, until, rng, "resolve", 0.4 * hours, handler, str(rng.choice(RESOLVE_NOTES))):
                    walk.resolved_by = handler
                    self._verify_and_close(walk, until, rng, walk.actors.get(walk.grid_code), dispatcher)

    def _verify_and_close(self, walk, until, rng, worker, dispatcher):
        """The grid's worker verifies on site and the dispatcher closes; in a grid with no worker the
        dispatcher closes without the verification, saying why (as act records an override)."""
        if worker is None:
            return self._step(walk, until, rng, "close", 8, dispatcher, closed_without_verification(NO_WORKER))
        return self._step(walk, until, rng, "verify", 8, worker) and self._step(
            walk, until, rng, "close", 8, dispatcher
        )

    # --- helpers ----------------------------------------------------------------------------------
    def _signed(self, walk, department_id, handler):
        for record in walk.records:
            if record["kind"] == "dispatch" and record["department_id"] == department_id and record["ended_at"] is None:
                record["signed_at"], record["signed_by"] = walk.at, handler

    def _at(self, walk, rng, mean_hours):
        return deadline(walk.at, float(rng.exponential(mean_hours)) + 0.1, walk.category.calendar_time)

    def _step(self, walk, until, rng, action, mean_hours, actor, reason="", details=None):
        at = self._at(walk, rng, mean_hours)
        if at >= until:
            walk.out_of_time = True
            return False
        self._act(walk, action, at, actor, reason, details)
        return True

    def _act(self, walk, action, at, actor, reason, details):
        walk._take(action, at, actor, reason, details=details or Details())


def department_story(district_code):
    """The DepartmentStory of the district: a handler of each department acting for it (a login that
    cannot log in made for those without one, the named demo account kept), and the leader."""
    User = get_user_model()
    handlers = {}
    rows = (
        Assignment.objects.active()
        .filter(department__district__code=district_code, role=Role.DEPARTMENT_HANDLER)
        .select_related("person", "department")
        .order_by("department_id", "id")
    )
    for assignment in rows:
        if assignment.department_id in handlers:
            continue
        person = assignment.person
        if person.user_id is None:
            username = f"department-{assignment.department.code}"
            user = User.objects.filter(username=username).first() or User(username=username, first_name=person.name)
            if user.pk is None:
                user.set_unusable_password()
                user.save()
            Person.objects.filter(user=user).update(user=None)
            person.user = user
            person.save(update_fields=["user"])
        handlers[assignment.department_id] = person.user_id
    leader = (
        Assignment.objects.active()
        .filter(area__code=district_code, role=Role.LEADER, person__user__isnull=False)
        .values_list("person__user_id", flat=True)
        .first()
    )
    return DepartmentStory(handlers, leader)


def write_records(incidents, records_of):
    """The records beside the cases' events (dispatches, extensions, call-backs), in bulk."""
    dispatches, extensions, callbacks = [], [], []
    for incident, records in zip(incidents, records_of, strict=True):
        for record in records:
            fields = {k: v for k, v in record.items() if k != "kind"}
            if record["kind"] == "dispatch":
                dispatches.append(Dispatch(incident_id=incident.id, **_ids(fields, "dispatched_by", "signed_by")))
            elif record["kind"] == "extension":
                extensions.append(Extension(incident_id=incident.id, **_ids(fields, "requested_by", "decided_by")))
            else:
                callbacks.append(Callback(incident_id=incident.id, **_ids(fields, "by")))
    Dispatch.objects.bulk_create(dispatches, batch_size=5000)
    Extension.objects.bulk_create(extensions, batch_size=5000)
    Callback.objects.bulk_create(callbacks, batch_size=5000)


def _ids(fields, *users):
    """Fields with the user ones named by their ids (`by` → by_id)."""
    return {f"{k}_id" if k in users else k: v for k, v in fields.items()}
