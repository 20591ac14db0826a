"""The stages of a community's consultation method (协商议事的程序) and the kinds of participants.

A method is an ordered list of stages, each a name the community uses and a kind the rules read:

| kind           | what happens there                         | rule                                   |
|----------------|--------------------------------------------|----------------------------------------|
| proposal       | the issue is raised (提议)                 | always the first stage                 |
| review         | the issue is checked and taken up (议题审核) | —                                      |
| deliberation   | the participants deliberate (协商)          | meetings are held at any open stage     |
| publication    | the outcome is made public (公示)           | —                                      |
| decision       | the decision is recorded (决议)              | exactly once; left only once decided    |
| implementation | the decision is carried out (实施)          | exactly once, after the decision        |
| evaluation     | residents evaluate the result (评议)        | exactly once, last                      |

A community may name and order its own stages (the "168" method's eight steps, say) as long as
those rules hold; a method is checked by `check_stages` before it is saved. An item keeps a copy of
the stages it was raised under, so a method changed later never moves an item already under way.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from govgrid.lib.errors import GovgridError

STAGE_KINDS = {
    "proposal": gettext_lazy("proposal"),
    "review": gettext_lazy("review"),
    "deliberation": gettext_lazy("deliberation"),
    "publication": gettext_lazy("publication"),
    "decision": gettext_lazy("decision"),
    "implementation": gettext_lazy("implementation"),
    "evaluation": gettext_lazy("evaluation"),
}
ONCE = ("proposal", "decision", "implementation", "evaluation")  # each exactly once, in this order

# The default method: the stages' names are stored as written (Chinese, as the community posts them).
DEFAULT_STAGES = [
    {"name": "提议", "kind": "proposal"},
    {"name": "议题审核", "kind": "review"},
    {"name": "协商", "kind": "deliberation"},
    {"name": "公示", "kind": "publication"},
    {"name": "决议", "kind": "decision"},
    {"name": "实施", "kind": "implementation"},
    {"name": "评议", "kind": "evaluation"},
]

# The "168" method of 运河区 (six kinds of participants, eight steps), as an example of a method of its own.
METHOD_168 = [
    {"name": "收集议题", "kind": "proposal"},
    {"name": "确定议题", "kind": "review"},
    {"name": "制定方案", "kind": "deliberation"},
    {"name": "协商议事", "kind": "deliberation"},
    {"name": "形成决议", "kind": "decision"},
    {"name": "公示决议", "kind": "publication"},
    {"name": "组织实施", "kind": "implementation"},
    {"name": "评议反馈", "kind": "evaluation"},
]

MAX_STAGES = 12

PARTICIPANT_KINDS = {
    "residents": pgettext_lazy("participant", "residents"),
    "party_members": gettext_lazy("Party members"),
    "property_company": gettext_lazy("property company"),
    "owners_committee": gettext_lazy("owners' committee"),
    "area_units": gettext_lazy("units in the area"),
    "social_organisations": gettext_lazy("social organisations"),
    "residents_representatives": gettext_lazy("residents' representatives"),
    "departments": gettext_lazy("functional departments"),
}


def check_stages(stages):
    """The stages as stored ([{"name", "kind"}, ...]) when they make a method; else GovgridError
    naming the field `stages` and saying which rule is broken."""
    if not isinstance(stages, list) or not 1 < len(stages) <= MAX_STAGES:
        raise GovgridError(_("A method has from 2 to %(n)d stages.") % {"n": MAX_STAGES}, field="stages")
    checked = []
    for stage in stages:
        name = str(stage.get("name", "")).strip() if isinstance(stage, dict) else ""
        kind = stage.get("kind") if isinstance(stage, dict) else None
        if not name or len(name) > 30:
            raise GovgridError(_("Each stage needs a name of at most 30 characters."), field="stages")
        if kind not in STAGE_KINDS:
            raise GovgridError(_("Unknown kind of stage: %(kind)s.") % {"kind": kind}, field="stages")
        checked.append({"name": name, "kind": kind})
    kinds = [stage["kind"] for stage in checked]
    if [kind for kind in kinds if kind in ONCE] != list(ONCE):
        raise GovgridError(
            _("A method has one proposal, one decision, one implementation and one evaluation stage, in this order."),
            field="stages",
        )
    if kinds[0] != "proposal" or kinds[-1] != "evaluation":
        raise GovgridError(_("A method starts with the proposal and ends with the evaluation."), field="stages")
    return checked


def index_of(stages, kind):
    return next(i for i, stage in enumerate(stages) if stage["kind"] == kind)


def check_participants(kinds):
    unknown = [kind for kind in kinds if kind not in PARTICIPANT_KINDS]
    if unknown:
        raise GovgridError(
            _("Unknown kind of participant: %(kind)s.") % {"kind": ", ".join(unknown)}, field="participants"
        )
    return list(dict.fromkeys(kinds))
