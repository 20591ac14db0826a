"""The star rating's pages: the rounds, a round by street (the quota, the street's proposal and the
district's publication), one community's assessment with the forms of the steps its reader may take
now (self-assessment, review, inspection, proposal), the results with a map of the communities
coloured by stars, and a street's pay sheet. The forms take the API's inputs and call the same
services (ratings.api.ACTIONS), so a page and the API never differ in what they accept."""

from datetime import timedelta

import folium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from govgrid.lib.api_input import checked
from govgrid.lib.basemap import base_map
from govgrid.lib.errors import GovgridError
from govgrid.lib.refusals import answered_as_page, refusal_text
from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import Scope
from maps.layers import extent_of, for_basemap
from maps.queries import feature_collection

from . import assessing, pay, reading, schemes, stars, steps
from .api import ACTIONS, EvidenceRequest, result_rows, seen_round
from .models import Assessment, Criterion, Round, quarter_label
from .rules import five_star_quota

STAR_COLOURS = {None: "#d5dbe3", 1: "#f4e3c1", 2: "#f1c27d", 3: "#e39b4a", 4: "#c8622b", 5: "#8e2a12"}

DONE = {
    "save": gettext_lazy("Saved. Submit when every criterion has its points."),
    "self-assess": gettext_lazy("Submitted: the computed criteria are filled in and locked."),
    "return": gettext_lazy("Returned to the community."),
    "review": gettext_lazy("Your points are saved."),
    "close-review": gettext_lazy("The review is closed: the site inspection is next."),
    "inspect": gettext_lazy("The inspection is recorded."),
    "propose": gettext_lazy("The stars are proposed."),
    "evidence": gettext_lazy("The evidence is added."),
}


def recent_quarters(n=4):
    this = schemes.quarter_of(timezone.localdate())
    quarters = [this]
    for _step in range(n - 1):
        quarters.append(schemes.quarter_of(quarters[-1] - timedelta(days=1)))
    return quarters


@login_required
@answered_as_page
@require_http_methods(["GET", "POST"])
def rounds_page(request):
    """GET, POST /ratings/: the rounds the reader sees; the district's staff open a quarter's."""
    scope = Scope.for_user(request.user)
    districts = [a for a in scope.roots() if a.level == Level.DISTRICT] or [
        a for a in Area.objects.filter(level=Level.DISTRICT) if scope.sees_within(a.code)
    ]
    if request.method == "POST":
        try:
            round_, _created = assessing.open_round(
                request.user, request.POST.get("district", ""), assessing.parse_quarter(request.POST.get("quarter"))
            )
            return redirect("rating-round-page", round_.district.code, quarter_label(round_.quarter))
        except (GovgridError, ValidationError) as refused:
            messages.error(request, refusal_text(refused))
    rounds = [r for r in Round.objects.select_related("district", "scheme") if scope.sees_within(r.district.code)]
    return render(request, "ratings/rounds.html", {
        "rounds": [(r, quarter_label(r.quarter)) for r in rounds],
        "openable": [d for d in districts if steps.district_staff(scope, d.code)],
        "quarters": [quarter_label(q) for q in recent_quarters()],
    })  # fmt: skip


@login_required
@answered_as_page
@require_http_methods(["GET", "POST"])
def round_page(request, district, quarter):
    """GET, POST /ratings/<district>/<quarter>/: the communities by street, the quota of each
    street, the street's proposal by the points and the district's publication."""
    scope = Scope.for_user(request.user)
    round_ = seen_round(scope, district, quarter)
    if request.method == "POST":
        street = request.POST.get("street", "")
        try:
            if request.POST.get("action") == "publish":
                assessing.publish(request.user, round_, street)
                messages.success(request, _("The street's stars are published."))
            else:
                assessing.propose_by_points(request.user, round_, street)
                messages.success(request, _("The stars the points give are proposed."))
        except GovgridError as refused:
            messages.error(request, refusal_text(refused))
        return redirect("rating-round-page", district, quarter)
    prefixes = scope.read_prefixes()
    rows = list(round_.assessments.select_related("community", "round").filter(stars.under(prefixes)))
    streets = {}
    for assessment in rows:
        streets.setdefault(assessment.community.code[: CODE_LENGTH[Level.STREET]], []).append(assessment)
    names = dict(Area.objects.filter(code__in=list(streets)).values_list("code", "name"))
    blocks = []
    for code, assessments in sorted(streets.items()):
        whole = Assessment.objects.filter(round=round_, community__code__startswith=code).count()
        five = sum(1 for a in assessments if a.stars == 5 and a.status in ("proposed", "published"))
        blocks.append({
            "code": code, "name": names.get(code, code), "rows": [reading.row(a, scope) for a in assessments],
            "quota": five_star_quota(round_.five_star_share, whole), "five": five, "communities": whole,
            "proposable": steps.street_staff(scope, code) and any(a.status == "inspected" for a in assessments),
            "publishable": steps.district_staff(scope, code) and all(a.status == "proposed" for a in assessments)
            and len(assessments) == whole,
            "by_status": _count_by_status(assessments),
        })  # fmt: skip
    return render(request, "ratings/round.html", {
        "round": round_, "quarter": quarter, "blocks": blocks, "share": f"{100 * round_.five_star_share:g}",
        "next_quarter": quarter_label(schemes.next_quarter(round_.quarter)),
    })  # fmt: skip


def _count_by_status(assessments):
    counts = {}
    for a in assessments:
        counts[a.get_status_display()] = counts.get(a.get_status_display(), 0) + 1
    return sorted(counts.items())


def _scores_from(post, criteria, note_name):
    scores = {}
    for criterion in criteria:
        points = post.get(f"points-{criterion.code}", "").strip()
        if points:
            scores[criterion.code] = {"points": points, note_name: post.get(f"{note_name}-{criterion.code}", "")}
    return scores


def _checks_from(post, criteria):
    checks = {}
    for criterion in criteria:
        chosen = post.getlist(f"deduction-{criterion.code}")
        note = post.get(f"note-{criterion.code}", "").strip()
        if chosen or note:
            checks[criterion.code] = {"deductions": chosen, "note": note}
    return checks


def _input_of(action, post, assessment):
    """The API's input for an action, from a page's form."""
    version = post.get("version")
    scored = assessment.round.scheme.criteria.filter(kind=Criterion.Kind.SCORED)
    if action == "save":
        return {"version": version, "scores": _scores_from(post, scored, "note")}
    if action == "review":
        return {"scores": _scores_from(post, scored, "comment")}
    if action == "inspect":
        return {"version": version, "checks": _checks_from(post, assessment.round.scheme.criteria.all())}
    if action == "propose":
        return {"version": version, "stars": post.get("stars"), "reason": post.get("reason", "")}
    if action == "return":
        return {"version": version, "reason": post.get("reason", "")}
    return {"version": version}


@login_required
@answered_as_page
@require_http_methods(["GET", "POST"])
def assessment_page(request, pk):
    """GET, POST /ratings/assessments/<id>/: a community's assessment and the forms of the steps its
    reader may take now; on a phone, one criterion under another."""
    assessment = reading.seen(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "evidence":
                _add_evidence(request, pk)
            elif action in ACTIONS:
                request_class, take = ACTIONS[action]
                take(request.user, pk, checked(request_class, _input_of(action, request.POST, assessment)))
            else:
                raise GovgridError(_("Choose an action."), field="action")
            messages.success(request, DONE[action])
        except (GovgridError, ValidationError) as refused:
            messages.error(request, refusal_text(refused))
        return redirect("rating-assessment-page", pk)
    view = reading.detail(request.user, assessment)
    return render(request, "ratings/assessment.html", {
        "view": view, "assessment": assessment, "actions": set(view["actions"]),
        "quarter": quarter_label(assessment.round.quarter), "stars_range": [5, 4, 3, 2, 1],
    })  # fmt: skip


def _add_evidence(request, pk):
    data = {key: request.POST.get(key) for key in ("criterion", "text", "lon", "lat") if request.POST.get(key)}
    if request.FILES.get("file"):
        data["file"] = request.FILES["file"]
    given = checked(EvidenceRequest, data)
    location = Point(given["lon"], given["lat"], srid=4326) if given["lon"] is not None else None
    assessing.add_evidence(request.user, pk, given["criterion"], given["text"], given["file"], location)


@login_required
@answered_as_page
def results_page(request, district, quarter):
    """GET /ratings/<district>/<quarter>/results/: the published stars with the change from the
    stars in force before, and the communities on a map coloured by their stars."""
    scope = Scope.for_user(request.user)
    round_ = seen_round(scope, district, quarter)
    rows = result_rows(round_, scope.read_prefixes())
    figure = _stars_map([r["community"] for r in rows], {r["community"]: r for r in rows}).get_root()
    figure.render()
    counts = {n: sum(1 for r in rows if r["stars"] == n) for n in (5, 4, 3, 2, 1)}
    return render(request, "ratings/results.html", {
        "round": round_, "quarter": quarter, "rows": rows, "counts": counts,
        "unpublished": sum(1 for r in rows if r["stars"] is None),
        "colours": [(n, STAR_COLOURS[n]) for n in (5, 4, 3, 2, 1)] + [(None, STAR_COLOURS[None])],
        "map_header": figure.header.render(), "map_html": figure.html.render(), "map_script": figure.script.render(),
    })  # fmt: skip


def _stars_map(codes, by_code):
    collection = (
        feature_collection(Level.COMMUNITY, codes, digits=6) if codes else {"type": "FeatureCollection", "features": []}
    )
    collection["features"] = [f for f in collection["features"] if f["properties"]["code"] in by_code]
    for feature in collection["features"]:
        row = by_code[feature["properties"]["code"]]
        feature["properties"] |= {
            "stars": row["stars"],
            "shown": "★" * row["stars"] if row["stars"] else _("not published"),
            "points": row["total"] or "—",
        }
    for_basemap(collection)
    fmap = base_map()
    folium.GeoJson(
        collection,
        name=_("communities by stars"),
        style_function=lambda f: {"color": "#1f3a5f", "weight": 1, "fillOpacity": 0.8, "className": "community",
                                  "fillColor": STAR_COLOURS.get(f["properties"]["stars"], STAR_COLOURS[None])},
        highlight_function=lambda f: {"weight": 2.5, "color": "#c0392b"},
        tooltip=folium.GeoJsonTooltip(["name", "shown", "points"], aliases=[_("community"), _("stars"), _("points")]),
    ).add_to(fmap)  # fmt: skip
    west, south, east, north = extent_of(collection)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


@login_required
@answered_as_page
def pay_page(request, street, quarter):
    """GET /ratings/pay/<street>/<quarter>/: a street's pay sheet of its community committees."""
    scope = Scope.for_user(request.user)
    area = scope.area_seen(street, field="street")
    if area.level != Level.STREET:
        raise GovgridError(_("Give a street of the district."), field="street")
    sheet = pay.pay_sheet(area, assessing.parse_quarter(quarter))
    return render(request, "ratings/pay.html", {"sheet": sheet, "quarter": quarter, "street": area})
