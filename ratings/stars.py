"""The stars in force: a community's last star record in force on a day (a published rating from
the quarter after its own, or a move between quarters), the district's moves up and down with their
reasons (within the street's five-star quota on that day), and a round's published results with the
change from the stars in force before them."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import Forbidden, Scope

from . import steps
from .assessing import REASON_LENGTH, street_code
from .models import Assessment, Round, StarRecord
from .rules import five_star_quota, rules_for


def in_force(codes, day):
    """{community code: StarRecord} in force on `day` for the communities `codes` (none when a
    community was never rated by then)."""
    records = (
        StarRecord.objects.filter(community__code__in=list(codes), effective_from__lte=day)
        .select_related("community")
        .order_by("community_id", "-effective_from", "-at", "-id")
        .distinct("community_id")
    )
    return {record.community.code: record for record in records}


def adjust(user, community_code, stars, effective_from, reason):
    """The district moves a community up or down from a day on, with a reason; a fifth star only
    within the street's quota on that day. The pay rule stays that of the stars it replaces."""
    scope = Scope.for_user(user)
    community = Area.objects.filter(code=community_code, level=Level.COMMUNITY).first()
    if community is None or not scope.sees(community_code):
        raise NotFound(_("No area has the code %(code)s.") % {"code": community_code}, field="community")
    if not steps.district_staff(scope, community_code):
        raise Forbidden(_("The district moves a community's stars."), field="community")
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise GovgridError(_("Stars from 1 to 5."), field="stars")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_LENGTH:
        raise GovgridError(_("Give a reason, at most %(n)d characters.") % {"n": REASON_LENGTH}, field="reason")
    street = street_code(community_code)
    with transaction.atomic():
        neighbours = list(
            Area.objects.select_for_update().filter(level=Level.COMMUNITY, code__startswith=street).order_by("id")
        )
        now_in_force = in_force([a.code for a in neighbours], effective_from)
        current = now_in_force.get(community_code)
        if current is None:
            raise Conflict(_("The community has no stars in force on that day to move."), field="effective_from")
        if current.stars == stars:
            raise Conflict(_("The community already has %(n)d stars then.") % {"n": stars}, field="stars")
        if stars == 5:
            five = sum(1 for code, r in now_in_force.items() if code != community_code and r.stars == 5)
            share = _share_of(community)
            if five + 1 > five_star_quota(share, len(neighbours)):
                raise Conflict(
                    _("At most %(quota)d of the street's %(n)d communities may be five-star.")
                    % {"quota": five_star_quota(share, len(neighbours)), "n": len(neighbours)},
                    field="stars",
                    code="quota",
                )
        return StarRecord.objects.create(
            community=community,
            stars=stars,
            effective_from=effective_from,
            kind=StarRecord.Kind.ADJUSTMENT,
            reason=reason,
            base_pay=current.base_pay,
            pay_per_star=current.pay_per_star,
            others_share=current.others_share,
            by=user,
            at=timezone.now(),
        )


def _share_of(community):
    """The five-star share of the community's last round, else the district's setting today."""
    last = Round.objects.filter(assessments__community=community).order_by("-quarter").first()
    return last.five_star_share if last else rules_for(community.code[: CODE_LENGTH[Level.DISTRICT]]).five_star_share


def results(round_, prefixes):
    """The round's assessments under the prefixes, with the stars in force before its own (the
    change from last quarter), published or not."""
    rows = list(
        Assessment.objects.filter(round=round_)
        .filter(under(prefixes))
        .select_related("community")
        .order_by("community__code")
    )
    before = in_force([a.community.code for a in rows], round_.quarter)
    return [
        {
            "assessment": a,
            "previous": before.get(a.community.code),
            "change": None
            if a.stars is None or a.community.code not in before
            else a.stars - before[a.community.code].stars,
        }
        for a in rows
    ]


def under(prefixes):
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(community__code__startswith=prefix)
    return condition
