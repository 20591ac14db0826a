"""The phone page of Party members and volunteers (/v/): the requests offered to them to claim, their
tasks (record done, give back), and, as the other parts arrive, their visits due, meetings and their
hours and points.

Like the grid worker's page (incidents.views) it is static and reads and writes through the API; what
the member does is kept on the phone first (IndexedDB) and sent, with its client_id or its natural
retry rule, until the server has it; a service worker keeps the page and its files, so it opens and
keeps working with no network. It reuses the phone page's small modules (config, dom, server, words,
kept, idb, tabs, logout)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.views import offline_worker

from . import kinds

SHARED_MODULES = tuple(f"incidents/phone/{name}.js" for name in ("config", "dom", "server", "words", "kept", "idb",
                                                                 "tabs", "logout", "photos"))  # fmt: skip
MODULES_FOLDER = Path(__file__).parent / "static" / "volunteers" / "member"
MEMBER_MODULES = tuple(sorted(f"volunteers/member/{module.name}" for module in MODULES_FOLDER.glob("*.js")))
MEMBER_FILES = (
    "govgrid/site.css",
    "incidents/phone.css",
    "volunteers/member.css",
    "incidents/dates.js",
    "incidents/phone.js",
    *SHARED_MODULES,
    *MEMBER_MODULES,
)


@login_required
def member_page(request):
    """GET /v/ — the member's phone page."""
    page = reverse("member")
    config = {
        "user": request.user.get_username(),
        "page": page,
        "serviceWorker": reverse("member-sw"),
        "loginUrl": f"{settings.LOGIN_URL}?next={page}",
        "urls": {
            "requests": reverse("service-request-list"),
            "offered": reverse("service-request-list") + "?mine=offered",
            "tasks": reverse("service-request-list") + "?mine=tasks",
            "visits": reverse("visit-list"),
            "visitsDue": reverse("visit-due") + "?mine=1&weeks=6",
            "visitFindings": reverse("visit-list") + "{id}/findings/",
            "categories": reverse("category-list"),
            "ledger": reverse("volunteer-ledger") + "?mine=1",
            "activities": reverse("activity-list") + "?when=upcoming",
            "meetings": reverse("party-meeting-list"),
            "meetingFindings": reverse("party-meeting-list") + "{id}/findings/",
            "meetingRequests": reverse("party-meeting-list") + "{id}/requests/",
        },
        "kinds": {key: str(label) for key, label in kinds.KINDS.items()},
        "forWhom": {key: str(label) for key, label in kinds.FOR_WHOM.items()},
        "leads": led_grids_with_people(request.user),
        "timeZone": settings.TIME_ZONE,
        "labels": member_labels(),
    }
    return render(request, "volunteers/member.html", {"config": config, "modules": SHARED_MODULES + MEMBER_MODULES})


def led_grids_with_people(user):
    """The grids whose Party group the user leads, each with who serves in it today (the meeting's
    attendees to tick) and the service kinds its community offers (a decision made a request)."""
    from django.db.models import Q

    from grids.models import Area, Person
    from grids.models.people import in_force
    from grids.scopes import Scope

    from .duties import led_grids

    codes = sorted(led_grids(Scope.for_user(user)))
    grids = []
    for grid in Area.objects.filter(code__in=codes).select_related("parent").order_by("code"):
        people = (
            Person.objects.filter(
                (Q(assignments__area=grid) & in_force(through="assignments__"))
                | (Q(household_links__grid=grid) & in_force(through="household_links__"))
            )
            .distinct()
            .order_by("name", "pk")[:60]
        )
        grids.append({"code": grid.code, "name": grid.name, "people": [{"id": p.pk, "name": p.name} for p in people],
                      "kinds": kinds.offered_in(grid.parent.code)})  # fmt: skip
    return grids


def member_labels():
    """The words the member page's script shows, in the user's language."""
    return {
        "offeredNone": _("Nothing to claim now. Requests offered to you appear here."),
        "tasksNone": _("You have no task. What you claim appears here."),
        "offline": _("No network: shown as last read at %(time)s."),
        "loadError": _("It could not be read (%(reason)s)."),
        "claim": _("Claim"),
        "claimKept": _("%(code)s: your claim is kept on the phone and sent as soon as there is a network."),
        "claimed": _("Claimed: %(code)s. Call the resident before going."),
        "done": _("Record done"),
        "doneKept": _("%(code)s: recorded on the phone, sent as soon as there is a network."),
        "doneSent": _("Recorded done: %(code)s."),
        "giveBack": _("Give it back"),
        "giveBackSent": _("Given back: %(code)s."),
        "needMinutes": _("Give the minutes spent."),
        "needReason": _("Say why you give it back."),
        "minutes": _("minutes spent"),
        "whatDone": _("what was done"),
        "donePhoto": _("A photo (optional)"),
        "reason": _("reason"),
        "waiting": _("waiting for the network"),
        "refused": _("Not accepted: %(reason)s"),
        "forWhom": _("for"),
        "wanted": _("wanted"),
        "contact": _("contact"),
        "httpError": _("HTTP error %(status)s"),
        "pendingNone": _("Nothing waits to be sent."),
        "visitsNone": _("You have no household link in force."),
        "households": _("%(n)s households"),
        "visitedOn": _("visited on"),
        "householdsReached": _("households reached"),
        "visitNotes": _("notes"),
        "problemFound": _("A problem found there (becomes a case in the grid)"),
        "problemWhat": _("What the problem is"),
        "noProblem": _("none"),
        "recordVisit": _("Record the visit"),
        "needHouseholds": _("Households reached: from 1 to %(n)s."),
        "needProblem": _("Say what the problem is."),
        "visitKept": _("The visit is kept on the phone and sent as soon as there is a network."),
        "visitSending": _("Sending the visit…"),
        "visitSent": _("Visit recorded: %(code)s."),
        "findingSent": _("The problem became a case: %(code)s."),
        "hoursTotal": _("hours"),
        "pointsTotal": _("points"),
        "servicesTotal": _("services"),
        "activitiesTotal": _("activities"),
        "hoursPoints": _("%(hours)s h · %(points)s points"),
        "activitiesNone": _("No activity coming up where you serve."),
        "placesLeft": _("%(n)s places left"),
        "hoursEach": _("%(hours)s hours each"),
        "attendedMark": _("attended"),
        "signedUpMark": _("signed up"),
        "signUp": _("Sign up"),
        "signedUp": _("Signed up: %(code)s."),
        "codeShown": _("The code the organiser shows"),
        "checkIn": _("Check in"),
        "needCode": _("Type the six digits the organiser shows."),
        "checkInNeedsNetwork": _(
            "A check-in needs the network at the moment it is made (the code changes every minute)."
        ),
        "noPosition": _("The phone did not give its position: allow it, and try again on site."),
        "checkedIn": _("Checked in at %(title)s: %(hours)s hours credited."),
        "meetingTitle": _("Record a meeting of your Party group"),
        "meetingKind": _("kind"),
        "analysis": _("situation analysis (民情研判)"),
        "training": _("training"),
        "heldOn": _("held on"),
        "topic": _("topic"),
        "attendees": _("attendees"),
        "othersAttending": _("others attending"),
        "issues": _("issues discussed"),
        "decisions": _("decisions"),
        "recordMeeting": _("Record the meeting"),
        "meetingKept": _("The meeting is kept on the phone and sent as soon as there is a network."),
        "meetingSent": _("Meeting recorded: %(code)s."),
        "decisionsNone": _("No situation analysis with decisions in the last three months."),
        "makeCase": _("Make a case"),
        "makeRequest": _("Make a service request"),
        "chooseCategory": _("Choose the category of the case."),
        "needWhat": _("Say what is to be done."),
        "chooseKind": _("Choose the kind of service."),
        "caseCategory": _("category"),
        "caseWhat": _("What the case is about"),
        "requestWhat": _("What help is needed"),
        "requestPlace": _("Where (building, unit, room)"),
        "requestContact": _("The resident's name (optional)"),
        "requestPhone": _("The resident's phone (optional)"),
        "serviceKind": _("service kind"),
        "forWhomLabel": _("for whom"),
        "sendDecision": _("Send"),
        "decisionKept": _("Kept on the phone with its number: it is sent once, as soon as there is a network."),
        "caseSent": _("The decision became a case: %(code)s."),
        "requestSent": _("The decision became a service request: %(code)s."),
        "madeCases": _("Cases made"),
        "madeRequests": _("Service requests made"),
    }


def service_worker(request):
    """GET /v/sw.js — the member page's service worker (under /v/, the only pages it controls)."""
    return offline_worker(reverse("member"), MEMBER_FILES, "govgrid-member-")
