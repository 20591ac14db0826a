"""Who sends to govgrid with no account, stated once for the residents' pages and API (reports,
notes, consultation proposals): the device's cookie, the address a throttle counts (an IPv6 address
by its /64, what one subscriber holds), the same-site check of a sending, and the throttle of one
kind of sending per device and per address."""

import hashlib
import ipaddress
import secrets

from django.utils.translation import gettext as _
from rest_framework.views import APIView

from govgrid.lib.errors import GovgridError
from grids.auth import client_address

from . import throttle

DEVICE_COOKIE = "gg_device"  # set by the resident page: a random id of the phone, for throttling
DEVICE_COOKIE_DAYS = 400


class CrossSite(GovgridError):
    status = 403
    code = "cross_site"


def device_of(request):
    """A digest of the device's cookie ('' without one: the address's throttle still holds)."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")[:64]
    return hashlib.sha256(raw.encode()).hexdigest()[:32] if raw else ""


def address_of(request):
    """The address a throttle counts: the client's, an IPv6 one as its /64."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped:  # an IPv4 client seen through an IPv6 socket
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def check_same_site(request):
    """A sending from another site's page (a form or script there posting with its visitors' phones)
    is refused: browsers say where a request comes from (Sec-Fetch-Site, Origin); a phone app or a
    script that says nothing is let through to the throttles."""
    if request.META.get("HTTP_SEC_FETCH_SITE", "") == "cross-site":
        raise CrossSite(_("Send it from govgrid's own page."), field="origin")
    origin = request.META.get("HTTP_ORIGIN", "")
    if origin and origin != "null" and origin.rstrip("/") != f"{request.scheme}://{request.get_host()}":
        raise CrossSite(_("Send it from govgrid's own page."), field="origin")


def count(kind, device, address, per_device, per_address, minutes):
    """Count a sending of one kind ("report", "consult") against its device's and its address's
    throttles (residents.throttle), after retries are recognised and before anything is written."""
    throttle.check(
        [(device and f"{kind}-device:{device}", per_device), (address and f"{kind}-address:{address}", per_address)],
        minutes,
    )


def set_device_cookie(request, response):
    """Give the phone its device cookie on the resident's pages, once."""
    if DEVICE_COOKIE not in request.COOKIES:
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=DEVICE_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


class NoAccountView(APIView):
    """An API view for residents, who have no account: nobody is authenticated, everyone may call it
    (what it answers is decided by the QR code or the private link it is given)."""

    authentication_classes = []
    permission_classes = []
