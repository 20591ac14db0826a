"""The consultations' pages: the list of items in the user's communities with a form for a new one
(/consultations/), an item with its stages as a stepper and forms for the actions the user may take
(/consultations/<id>/), and the residents' pages with no account: proposing an issue from a QR code
(/r/<token>/consult/) and following it by the private link (/r/c/<secret>/)."""

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from govgrid.lib.errors import GovgridError
from govgrid.lib.moments import form_moment
from govgrid.lib.parsers import form_int
from govgrid.lib.privacy import personal_data
from grids.models import Area, Level
from grids.scopes import Scope
from incidents.models import Category
from residents import links
from residents.intake import place_area
from residents.pages import with_live_code
from residents.senders import address_of, device_of, set_device_cookie

from . import proposals, reading, services
from .models import Item
from .stages import PARTICIPANT_KINDS


def changeable_communities(scope):
    return scope.filter(Area.objects.filter(level=Level.COMMUNITY), "code", writing=True).order_by("code")


@personal_data  # proposers' names and phones
@login_required
@require_http_methods(["GET", "POST"])
def list_page(request):
    """GET, POST /consultations/: the items, newest first; a POST records a new one."""
    scope = Scope.for_user(request.user)
    communities = list(changeable_communities(scope)[:200])
    form = {}
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in ("community", "title", "description", "proposer_name",
                                                           "proposer_phone")}  # fmt: skip
        form["participants"] = request.POST.getlist("participants")
        try:
            item = services.propose(
                request.user, form["community"], **{k: v for k, v in form.items() if k != "community"}
            )
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Recorded: %(title)s.") % {"title": item.title})
            return redirect("consultation", pk=item.pk)
    status = request.GET.get("status", "")
    status = status if status in Item.Status.values else ""
    rows = [reading.row(item, scope) for item in reading.items_in(scope, status=status)[:200]]
    return render(
        request,
        "consultations/list.html",
        {
            "rows": rows,
            "communities": communities,
            "participants": PARTICIPANT_KINDS.items(),
            "statuses": Item.Status.choices,
            "status": status,
            "form": form,
        },
    )


ACTIONS = {
    "advance": (services.advance, lambda post: {"note": post.get("note", ""), "to": form_int(post.get("to"))}),
    "meeting": (
        services.record_meeting,
        lambda post: {
            "held_at": form_moment(post.get("held_at")),  # None: the service names the field
            "place": post.get("place", ""),
            "minutes": post.get("minutes", ""),
            "attendance": {kind: form_int(post.get(f"attendance_{kind}")) or 0 for kind in PARTICIPANT_KINDS},
            "attendees": post.get("attendees", "").replace("，", ",").replace("\n", ",").split(","),
        },
    ),
    "decide": (services.decide, lambda post: {"decision": post.get("decision", "")}),
    "follow_up": (
        services.follow_up,
        lambda post: {
            "category": post.get("category", ""),
            "description": post.get("description", ""),
            "incident": post.get("incident", "").strip(),
        },
    ),  # fmt: skip
    "evaluate": (
        services.evaluate,
        lambda post: {
            "rating": form_int(post.get("rating")),
            "comment": post.get("comment", ""),
            "resident_name": post.get("resident_name", ""),
        },
    ),  # fmt: skip
    "drop": (services.drop, lambda post: {"reason": post.get("reason", "")}),
}

DONE = {
    "advance": gettext_lazy("Moved on to the next stage."),
    "meeting": gettext_lazy("The meeting was recorded."),
    "decide": gettext_lazy("The decision was recorded."),
    "follow_up": gettext_lazy("The follow-up case was recorded."),
    "evaluate": gettext_lazy("The evaluation was recorded."),
    "drop": gettext_lazy("The item was dropped."),
}


@personal_data
@login_required
@require_http_methods(["GET", "POST"])
def item_page(request, pk):
    """GET, POST /consultations/<id>/: the item; a POST is one of its actions (`action`)."""
    scope = Scope.for_user(request.user)
    try:
        item = reading.item_seen(scope, pk)
    except GovgridError:
        raise Http404 from None
    if request.method == "POST":
        name = request.POST.get("action", "")
        try:
            if name not in ACTIONS:
                raise GovgridError(_("Unknown action."), field="action")
            change, read = ACTIONS[name]
            change(request.user, pk, form_int(request.POST.get("version")), **read(request.POST))
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, str(DONE[name]))
        return redirect("consultation", pk=pk)
    view = reading.detail(item, scope)
    return render(
        request,
        "consultations/item.html",
        {
            "item": item,
            "view": view,
            "may": _allowed(item, view["may_change"] or _evaluable_by(item, scope)),
            "participants": PARTICIPANT_KINDS.items(),
            "categories": Category.objects.reportable().order_by("code") if item.status == "decided" else [],
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


def _evaluable_by(item, scope):
    return item.status == Item.Status.SOLVED and scope.changes(item.community.code)


def _allowed(item, changes):
    """The actions the page offers: those the item's state allows, to those who may change it."""
    if not changes:
        return set()
    if item.status == Item.Status.SOLVED:
        return {"evaluate"} if item.kind == "evaluation" else set()
    allowed = {"meeting", "drop"}
    last = item.stage + 1 >= len(item.stages)
    if not last and (item.kind != "decision" or item.status == Item.Status.DECIDED):
        allowed.add("advance")
    if item.kind == "decision" and item.status == Item.Status.OPEN:
        allowed.add("decide")
    if item.status == Item.Status.DECIDED:
        allowed.add("follow_up")
    if item.kind == "evaluation":
        allowed.add("evaluate")
    return allowed


# --- residents, with no account -----------------------------------------------------------------


@personal_data  # sets the device's cookie; the answer may carry the proposer's words
@require_http_methods(["GET", "POST"])
@with_live_code
def propose_page(request, code):
    """GET, POST /r/<token>/consult/: propose an issue for the community to consult on."""
    token = code.token
    area = place_area(code)
    community = proposals.community_of(area)
    if community is None:
        raise Http404
    # the private link's secret is made with the form and kept only as its digest (residents.links)
    form = {"client_id": str(uuid.uuid4()), "secret": links.new_secret()}
    if request.method == "POST":
        form = {
            key: request.POST.get(key, "").strip()
            for key in ("client_id", "secret", "title", "description", "name", "phone")
        }
        if not re.match(links.SECRET_PATTERN, form["secret"]):
            form["secret"] = links.new_secret()
        try:
            client_id = uuid.UUID(form["client_id"])
        except ValueError:
            client_id = uuid.uuid4()
            form["client_id"] = str(client_id)
        try:
            _item, _created, secret = proposals.receive(
                token,
                client_id,
                form["title"],
                form["description"],
                form["name"],
                form["phone"],
                device=device_of(request),
                address=address_of(request),
                secret=form["secret"],
            )
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Received: the community will take it up. Keep this page's address."))
            return redirect("resident-consult-follow", secret=secret)
    response = render(
        request,
        "consultations/propose.html",
        {"place": code.station.name if code.station_id else area.name, "community": community, "form": form},
    )
    return set_device_cookie(request, response)


@personal_data  # the resident's own proposal
@require_http_methods(["GET", "POST"])
def follow_page(request, secret):
    """GET, POST /r/c/<secret>/: the proposer's page; a POST is their evaluation."""
    item = proposals.by_secret(secret)
    if item is None:
        return render(request, "residents/not_found.html", {"message": proposals.NOT_FOUND}, status=404)
    if request.method == "POST":
        try:
            services.evaluate_by_link(item, form_int(request.POST.get("rating")), request.POST.get("comment", ""))
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Thank you: your evaluation was recorded."))
        return redirect("resident-consult-follow", secret=secret)
    return render(request, "consultations/follow.html", {"view": proposals.public_view(item)})
