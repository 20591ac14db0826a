"""The resident's pages of a service request, with no account: asking from a QR code's place
(/r/<token>/service/) and following it by the private link (/r/s/<secret>/), where the resident
confirms and rates the service done, or cancels it before anyone has taken it.

Plain forms, as the consultation's are: the form carries the `client_id` and the private link's
secret made with it, so sending it again (a reload, a second tap on a slow network) is the same
request (volunteers.asking)."""

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govgrid.lib.errors import GovgridError
from govgrid.lib.moments import form_moment
from govgrid.lib.parsers import form_int
from govgrid.lib.privacy import personal_data
from residents import links
from residents.intake import place_area
from residents.pages import with_live_code
from residents.senders import address_of, device_of, set_device_cookie

from . import asking, kinds, services

FIELDS = ("kind", "for_whom", "description", "place", "wanted_from", "wanted_until", "contact_name", "contact_phone")


def _moment(value, field):
    """A datetime-local field, or None when empty; refused naming the field when it is not a time."""
    moment = form_moment(value)
    if value and moment is None:
        raise GovgridError(_("Give a date and time."), field=field)
    return moment


@personal_data  # sets the device's cookie; the answer may carry the resident's words
@require_http_methods(["GET", "POST"])
@with_live_code
def ask_page(request, code):
    """GET, POST /r/<token>/service/: ask volunteers for a service at this place."""
    community, _grid = asking.community_and_grid(code)
    if community is None:
        message = _("This QR code is not of a community or a grid.")
        return render(request, "residents/not_found.html", {"message": message}, status=404)
    form = {"client_id": str(uuid.uuid4()), "secret": links.new_secret(), "for_whom": "self"}
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in ("client_id", "secret", *FIELDS)}
        if not re.match(links.SECRET_PATTERN, form["secret"]):
            form["secret"] = links.new_secret()
        try:
            client_id = uuid.UUID(form["client_id"])
        except ValueError:
            client_id = uuid.uuid4()
            form["client_id"] = str(client_id)
        try:
            fields = {key: form[key] for key in FIELDS}
            fields["wanted_from"] = _moment(form["wanted_from"], "wanted_from")
            fields["wanted_until"] = _moment(form["wanted_until"], "wanted_until")
            _request, _created, secret = asking.receive(
                code.token, client_id, fields, secret=form["secret"], device=device_of(request),
                address=address_of(request),
            )  # fmt: skip
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Received: the community will review it soon. Keep this page's address."))
            return redirect("resident-service-page", secret=secret)
    response = render(request, "volunteers/ask.html", {
        "place": code.station.name if code.station_id else place_area(code).name, "community": community,
        "form": form, "kinds": kinds.choices_in(community.code),
        "for_whom": [(key, str(label)) for key, label in kinds.FOR_WHOM.items()],
    })  # fmt: skip
    return set_device_cookie(request, response)


@personal_data  # the resident's own request
@require_http_methods(["GET", "POST"])
def follow_page(request, secret):
    """GET, POST /r/s/<secret>/: the resident's request; a POST confirms and rates it, or cancels it."""
    try:
        request_ = asking.by_secret(secret)
    except GovgridError as missing:
        return render(request, "residents/not_found.html", {"message": missing.message}, status=404)
    if request.method == "POST":
        try:
            if request.POST.get("do") == "cancel":
                services.cancel_by_resident(request_.pk, request.POST.get("reason", ""))
                messages.success(request, _("Your request was cancelled."))
            else:
                services.confirm_by_resident(
                    request_.pk, form_int(request.POST.get("rating")), request.POST.get("comment", "")
                )
                messages.success(request, _("Thank you: your rating was recorded."))
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        return redirect("resident-service-page", secret=secret)
    return render(request, "volunteers/follow.html", {"view": asking.public_view(request_),
                                                      "time_zone": settings.TIME_ZONE})  # fmt: skip
