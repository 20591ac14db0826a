"""The grid worker's phone page, and the service worker that lets it open with no network.

The page itself is static: it reads and writes everything through the API (incidents/api.py,
grids/api.py), and its script keeps unsent reports in the phone's IndexedDB. A service worker keeps
the page and its files, so a worker can open it, see the outbox and keep reporting where there is
no network at all. A service worker controls only pages under its script's own folder, so it is
served as /m/sw.js rather than from /static/.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from grids.models import Level

from .words import phone_words

# Files the page needs, kept by the service worker. Their URLs carry a content hash (manifest
# storage), so a changed file is a new URL and the worker's cache is renewed with it.
# The page's script is the ES modules under phone/ (phone/main.js their entry), every one of them
# kept: the folder is the list. collectstatic names their imports of each other by the hashed names
# too (govgrid.staticfiles), so a module is never run stale and never asked for twice.
MODULES_FOLDER = Path(__file__).parent / "static" / "incidents" / "phone"
PHONE_MODULES = tuple(sorted(f"incidents/phone/{module.name}" for module in MODULES_FOLDER.glob("*.js")))
PHONE_FILES = (
    "govgrid/site.css",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "incidents/phone.css",
    "incidents/dates.js",
    "incidents/phone.js",
    *PHONE_MODULES,
)


@login_required
def phone_page(request):
    """GET /m/ — the phone page."""
    page = reverse("phone")
    config = {
        "user": request.user.get_username(),
        "page": page,
        "serviceWorker": reverse("phone-sw"),
        "loginUrl": f"{settings.LOGIN_URL}?next={page}",
        "urls": {
            "categories": reverse("category-list"),
            "grids": reverse("area-list") + "?level=grid",
            "incidents": reverse("incident-list"),
            "mine": reverse("incident-list") + "?mine=1",
            "toVerify": reverse("incident-list") + "?verify=1",
            "notifications": reverse("notification-list") + "?unread=1",
            "notificationsPage": reverse("notifications"),
        },
        # A WGS84 base map when one is configured, as on the admin's editing map (which leaves out
        # AMap's GCJ-02 tiles: a pin placed on them would be about 600 m off). None by default.
        "tiles": [{"url": url, "options": options} for _name, url, options in settings.LEAFLET_CONFIG["TILES"]],
        "defaultCenter": settings.LEAFLET_CONFIG["DEFAULT_CENTER"],
        "photoMaxBytes": settings.PHOTO_MAX_BYTES,
        **phone_words(),  # statuses and how a case arrived, in words (incidents/words.py)
        "levels": {value: str(label) for value, label in Level.choices},
        "timeZone": settings.TIME_ZONE,
        "labels": phone_labels(),
    }
    return render(request, "incidents/phone.html", {"config": config, "modules": PHONE_MODULES})


def phone_labels():
    """The words phone.js shows, in the user's language; %(name)s is filled in by the script."""
    return {
        "queued": _("Waiting to send"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "failed": _("Not accepted"),
        "noNetwork": _("No network: it will be sent when the phone is back online."),
        "retrying": _("Not sent yet (%(reason)s): trying again shortly."),
        "loginAgain": _("Your login has expired: log in again and it will be sent."),
        "photos": _("Photos %(sent)s/%(total)s"),
        "photoFailed": _("A photo was refused: %(reason)s"),
        "duplicates": _("Possible duplicates nearby: %(codes)s"),
        "retry": _("Send again"),
        "edit": _("Edit"),
        "discard": _("Discard"),
        "confirmDiscard": _("Tap again to discard: it has not reached the server."),
        "outboxEmpty": _("No reports waiting. Reports you send appear here until the server has them."),
        "casesEmpty": _("You have not reported any case yet."),
        "casesOffline": _("No network: your cases cannot be loaded now."),
        "casesError": _("Your cases could not be loaded (%(reason)s)."),
        "more": _("More"),
        "changed": _("Status changed"),
        "caseOffline": _("No network: shown as last seen at %(time)s."),
        "caseFromOutbox": _("No network: shown as sent from this phone; its status is not known yet."),
        "automatic": _("automatic (deadline sweep)"),
        "category": _("category"),
        "level": _("level"),
        "grid": _("grid"),
        "receivedAt": _("received at"),
        "reportedAt": _("reported at"),
        "dueAt": _("due at"),
        "description": _("description"),
        "locating": _("Finding your location… You can also tap the map where the problem is."),
        "located": _("Your location, accurate to %(metres)s m. Drag the pin to correct it."),
        "placedByHand": _("Location placed by hand. Tap “My location” to follow the phone again."),
        "noLocation": _("The phone cannot give its location (%(reason)s): tap the map to place the pin."),
        "inGrid": _("Grid: %(name)s"),
        "outsideGrids": _("The pin is outside your grids: the server will refuse this report."),
        "needLocation": _("Place the pin on the map first."),
        "needCategory": _("Choose a category."),
        "needDescription": _("Describe the problem."),
        "photoTooLarge": _("Photo %(name)s is too large even after shrinking it."),
        "removePhoto": _("Remove photo"),
        "storageError": _("This phone cannot keep reports (%(reason)s)."),
        "chooseClass": _("Choose a class"),
        "chooseItem": _("Choose an item"),
        "noCategories": _("Categories cannot be loaded without network the first time."),
        "httpError": _("HTTP error %(status)s"),
        "timedOut": _("the server did not answer in time"),
        "logIn": _("Log in"),
        "dragPin": _("Drag to where the problem is"),
        "noGeolocation": _("this browser has no location service"),
        "verifyOffline": _("No network: this is the list as last read; it is read again when there is one."),
        "verifyKept": _("%(code)s: kept on the phone, sent as soon as there is a network."),
        "verifyWaiting": _("kept on the phone, waiting for the network"),
        "verifyNone": _("No case waits for your verification."),
        "verifyOpen": _("Verify"),
        "verifyNeedPhoto": _("Take the after photo first."),
        "verifyNeedLocation": _("The phone has not given its location yet: wait for it, or allow it."),
        "verifyNeedReason": _("Say why the work is sent back."),
        "verifyDone": _("Verified: %(code)s."),
        "reworkDone": _("Sent back for rework: %(code)s."),
    }


def service_worker(request):
    """GET /m/sw.js — the phone page's service worker."""
    return offline_worker(reverse("phone"), PHONE_FILES, "govgrid-phone-")


def offline_worker(page, file_names, prefix):
    """A service worker script that keeps `page` and its static files for use with no network: the
    list of files to keep, then the worker's code from phone.js (which does nothing when a page
    loads it by mistake). Its cache is named `prefix` and a hash of the list, so a changed file makes a
    new cache and the worker clears its own older ones (those named with its prefix)."""
    files = [page] + [static(name) for name in file_names]
    cache_name = prefix + hashlib.sha256("\n".join(files).encode()).hexdigest()[:12]
    offline = {"cache": cache_name, "prefix": prefix, "page": page, "files": files}
    script = (
        "// govgrid: service worker. It keeps these files so the page opens with no network.\n"
        f"self.PHONE_OFFLINE = {json.dumps(offline)};\n"
        f"importScripts({json.dumps(static('incidents/phone.js'))});\n"
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
