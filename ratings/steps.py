"""An assessment's steps, once: the statuses each starts from, the status it leads to, and who takes
it. The services (ratings.assessing) and the pages ask this table; nothing else decides.

- the community (its own staff, or its Party secretary) assesses itself;
- the street (its staff and leaders) returns a self-assessment, reviews it at the public defence,
  closes the review, inspects on site and proposes the stars;
- the district (its staff and leaders) opens the round, publishes a street's stars and moves a
  community up or down between quarters."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from grids.models import CODE_LENGTH, Level, PartyOrg

from .models import Assessment

Status = Assessment.Status


def community_staff(scope, code):
    """The community's own staff (a role in the community itself), its Party secretary, an administrator."""
    if scope.everything or code in scope.write:
        return True
    return scope.person_id is not None and PartyOrg.objects.filter(area__code=code, leader_id=scope.person_id).exists()


def street_staff(scope, code):
    """Staff or leaders of the street holding area `code` (or of the district above it)."""
    return scope.oversees(code[: CODE_LENGTH[Level.STREET]])


def district_staff(scope, code):
    return scope.oversees(code[: CODE_LENGTH[Level.DISTRICT]])


@dataclass(frozen=True)
class Step:
    sources: tuple
    target: str | None  # None: the status stays
    who: object  # (scope, area code) -> bool


STEPS = {
    "save": Step((Status.DRAFT,), None, community_staff),
    "evidence": Step((Status.DRAFT,), None, community_staff),
    "self_assess": Step((Status.DRAFT,), Status.SELF_ASSESSED, community_staff),
    "return": Step((Status.SELF_ASSESSED,), Status.DRAFT, street_staff),
    "review": Step((Status.SELF_ASSESSED,), None, street_staff),
    "close_review": Step((Status.SELF_ASSESSED,), Status.REVIEWED, street_staff),
    "inspection_photo": Step((Status.REVIEWED,), None, street_staff),
    "inspect": Step((Status.REVIEWED,), Status.INSPECTED, street_staff),
    "propose": Step((Status.INSPECTED, Status.PROPOSED), Status.PROPOSED, street_staff),
    "publish": Step((Status.PROPOSED,), Status.PUBLISHED, district_staff),
}


def allowed(scope, action, assessment):
    """Whether this scope may take `action` on the assessment now (its status and the taker)."""
    step = STEPS[action]
    return assessment.status in step.sources and step.who(scope, assessment.community.code)


LABELS = {
    "save": _("saved the self-assessment"),
    "evidence": _("added evidence"),
    "self_assess": _("submitted the self-assessment"),
    "return": _("returned it to the community"),
    "review": _("scored at the public defence"),
    "close_review": _("closed the review"),
    "inspection_photo": _("added a photo of the site inspection"),
    "inspect": _("recorded the site inspection"),
    "propose": _("proposed the stars"),
    "publish": _("published the stars"),
}
