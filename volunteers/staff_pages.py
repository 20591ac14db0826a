"""Community staff's pages of service requests: the queue (to review, waiting for a volunteer, left to
staff, done to confirm), asking for a resident at the door, and a request with the actions this
reader may take now. The actions are the API's (volunteers.api_requests.ACTIONS: the same input
checks, the same services), posted from plain forms."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from govgrid.lib.errors import GovgridError
from govgrid.lib.privacy import personal_data
from govgrid.lib.refusals import refusal_text
from grids.models import Area, Level, Person
from grids.scopes import Scope
from incidents.models import Category

from . import kinds, reading, services
from .api_requests import ACTIONS
from .models import ServiceRequest

Status, Tier = ServiceRequest.Status, ServiceRequest.Tier

# The queue's tabs: what each shows, in the order staff work through them.
TABS = {
    "review": (gettext_lazy("To review"), {"status": Status.ASKED}),
    "staff": (gettext_lazy("Left to staff"), {"status": Status.OFFERED, "tier": Tier.STAFF}),
    "offered": (gettext_lazy("Waiting for a volunteer"), {"status": Status.OFFERED}),
    "claimed": (gettext_lazy("Being served"), {"status": Status.CLAIMED}),
    "done": (gettext_lazy("Done, to confirm"), {"status": Status.DONE}),
    "closed": (
        gettext_lazy("Closed"),
        {"status__in": (Status.CONFIRMED, Status.REFUSED, Status.CASE, Status.CANCELLED)},
    ),
}


DONE = {
    "accept": gettext_lazy("Accepted: it is offered to the volunteers who can take it."),
    "refuse": gettext_lazy("Refused: the resident reads the reason."),
    "make-case": gettext_lazy("It became a case."),
    "assign": gettext_lazy("Assigned: the volunteer is told."),
    "cancel": gettext_lazy("Cancelled."),
    "confirm": gettext_lazy("Confirmed for the resident: the volunteer's hours are credited."),
    "claim": gettext_lazy("Claimed: call the resident before going."),
    "give-back": gettext_lazy("Given back: it is offered again."),
    "done": gettext_lazy("Recorded done: the resident is asked to confirm."),
}


@personal_data  # residents' names and phones
@login_required
@require_http_methods(["GET", "POST"])
def requests_page(request):
    """GET, POST /volunteers/requests/: the queue; a POST asks for a service for a resident."""
    scope = Scope.for_user(request.user)
    communities = list(
        scope.filter(Area.objects.filter(level=Level.COMMUNITY), "code", writing=True).order_by("code")[:300]
    )
    form = {"client_id": str(uuid.uuid4())}
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in
                ("client_id", "community", "grid", "kind", "for_whom", "description", "place", "contact_name",
                 "contact_phone")}  # fmt: skip
        try:
            client_id = uuid.UUID(form["client_id"])
            fields = {key: form[key] for key in ("kind", "for_whom", "description", "place", "contact_name",
                                                 "contact_phone")}  # fmt: skip
            made, _created = services.ask_for(
                request.user, form["community"], client_id, fields, grid_code=form["grid"]
            )
        except ValueError:
            messages.error(request, _("The form was damaged: send it again."))
            form["client_id"] = str(uuid.uuid4())
        except GovgridError as refused:
            messages.error(request, refusal_text(refused))
        else:
            messages.success(request, _("Recorded: %(code)s.") % {"code": made.tracking_code})
            return redirect("service-request", code=made.tracking_code)
    tab = request.GET.get("tab", "review")
    tab = tab if tab in TABS else "review"
    found = reading.requests_for(request.user).filter(**TABS[tab][1])
    rows = [reading.row(request.user, item, scope) for item in found[:200]]
    community_code = communities[0].code if communities else ""
    return render(request, "volunteers/requests.html", {
        "rows": rows, "tabs": [(key, str(label)) for key, (label, _filter) in TABS.items()], "tab": tab,
        "communities": communities, "form": form, "kinds": kinds.choices_in(community_code),
        "for_whom": [(key, str(label)) for key, label in kinds.FOR_WHOM.items()],
    })  # fmt: skip


@personal_data
@login_required
@require_http_methods(["GET", "POST"])
def request_page(request, code):
    """GET, POST /volunteers/requests/<code>/: a request; a POST is one of its actions (`action`)."""
    try:
        item = reading.seen(request.user, code)
    except GovgridError:
        raise Http404 from None
    if request.method == "POST":
        name = request.POST.get("action", "")
        try:
            if name not in ACTIONS:
                raise GovgridError(_("Unknown action."), field="action")
            request_class, take = ACTIONS[name]
            given = request_class(data=request.POST)
            given.is_valid(raise_exception=True)
            take(request.user, code, dict(given.validated_data))
        except (GovgridError, ValidationError) as refused:
            messages.error(request, refusal_text(refused))
        else:
            messages.success(request, str(DONE[name]))
        return redirect("service-request", code=code)
    view = reading.detail(request.user, item)
    return render(request, "volunteers/request.html", {
        "view": view, "actions": set(view["actions"]),
        "categories": Category.objects.reportable().order_by("code") if "make-case" in view["actions"] else [],
        "people": _people_to_assign(item) if "assign" in view["actions"] else [],
    })  # fmt: skip


def _people_to_assign(item):
    """Those who may be given the request: the people offered it, then everyone serving in its grid."""
    offered = Person.objects.filter(service_offers__request=item)
    nearby = Person.objects.filter(user__isnull=False, household_links__grid=item.grid) if item.grid_id else offered
    return list((offered | nearby).distinct().order_by("name")[:100])
