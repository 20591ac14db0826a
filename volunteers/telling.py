"""Who is told what of a service request, in the transaction that writes it (notifications.outbox):

| when            | who                                                            |
|-----------------|----------------------------------------------------------------|
| asked           | the community's dispatchers, who review it                     |
| offered, widened, given back | the people it is now offered to                    |
| left to staff   | the community's dispatchers, who assign it                     |
| claimed, assigned | its volunteer (when assigned); the resident by SMS           |
| done            | the resident by SMS, to confirm and rate; staff when the resident has no link of their own |
| refused, made a case, cancelled | the resident by SMS; a volunteer who held it     |

The resident's SMS goes only where GOVGRID_RESIDENT_SMS is on and they left a phone, as for reports.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.recipients import dispatchers_of
from notifications import outbox
from notifications.messages import renders

KIND = "service"  # notifications of kind "service:asked", "service:offered"…
STAFF_PAGE = "/volunteers/requests/"
MEMBER_PAGE = "/m/#serve"


def _params(request):
    return {"request": request.tracking_code, "kind": request.kind, "description": request.description[:200]}


def _source(request, what, now):
    return f"service-request:{request.pk}:{what}:{now.isoformat()}"


def _staff(request):
    return dispatchers_of(request.community.code)


def tell_asked(request):
    outbox.queue(_staff(request), f"service-request:{request.pk}", f"{KIND}:asked", _params(request), STAFF_PAGE,
                 request.asked_at)  # fmt: skip


def tell_offered(request, people, now):
    users = [person.user_id for person in people if person.user_id]
    outbox.queue(users, _source(request, "offered", now), f"{KIND}:offered", _params(request), MEMBER_PAGE, now)


def tell_escalated(request, now):
    outbox.queue(
        _staff(request), _source(request, "staff", now), f"{KIND}:escalated", _params(request), STAFF_PAGE, now
    )


def tell_assigned(request, now):
    outbox.queue([request.volunteer.user_id], _source(request, "assigned", now), f"{KIND}:assigned", _params(request),
                 MEMBER_PAGE, now)  # fmt: skip
    tell_resident(request, "claimed", now)


def tell_claimed(request, now):
    tell_resident(request, "claimed", now)


def tell_done(request, now):
    if request.secret_digest is None:  # asked for by staff: they confirm it with the resident
        outbox.queue(_staff(request), _source(request, "done", now), f"{KIND}:done", _params(request), STAFF_PAGE, now)
    tell_resident(request, "done", now)


def tell_cancelled(request, now):
    if request.volunteer_id and request.volunteer.user_id:
        outbox.queue([request.volunteer.user_id], _source(request, "cancelled", now), f"{KIND}:cancelled",
                     _params(request), MEMBER_PAGE, now)  # fmt: skip
    if request.secret_digest is not None:
        tell_resident(request, "cancelled", now)


def tell_resident(request, what, now):
    """An SMS to the resident who left a phone (GOVGRID_RESIDENT_SMS), once per change."""
    if not settings.RESIDENT_SMS or not request.contact_phone:
        return False
    params = {"request": request.tracking_code, "what": what}
    return outbox.text("sms", request.contact_phone, _source(request, f"resident-{what}", now), f"{KIND}:resident",
                       params, "", now)  # fmt: skip


RESIDENT_WORDS = {
    "refused": gettext_lazy("It was not taken up: the reason is on its page."),
    "case": gettext_lazy("It is a problem for the community to handle: it became a case."),
    "claimed": gettext_lazy("A volunteer took it and will call you before coming."),
    "done": gettext_lazy("The volunteer recorded it done: please confirm and rate it on its page."),
    "cancelled": gettext_lazy("It was cancelled."),
}

TITLES = {
    "asked": gettext_lazy("A resident asks for a service: %(code)s"),
    "offered": gettext_lazy("A service you can take: %(code)s"),
    "escalated": gettext_lazy("Nobody has taken service %(code)s: assign it"),
    "assigned": gettext_lazy("Service %(code)s was given to you"),
    "done": gettext_lazy("Service %(code)s is done: confirm it with the resident"),
    "cancelled": gettext_lazy("Service %(code)s was cancelled"),
}


@renders(KIND)
def service_words(notification):
    params = notification.params
    what = notification.kind.split(":", 1)[-1]
    code = params.get("request", "")
    if what == "resident":
        return _("govgrid: your request %(code)s") % {"code": code}, str(RESIDENT_WORDS.get(params.get("what"), ""))
    title = TITLES.get(what)
    return (str(title) % {"code": code} if title else notification.kind), params.get("description", "")
