"""What Open311 answers to a caller without a key, and how long an answer may be cached.

GeoReport v2 clients read without a key and send `api_key` only to POST. So:

| call                           | without a key                               | with a key (api_key or Token) |
|--------------------------------|---------------------------------------------|-------------------------------|
| GET services, services/<code>  | answered                                    | the same answer               |
| GET requests, requests/<id>    | public cases, public fields (when           | the caller's scope, as in the |
|                                | OPEN311_PUBLIC_READ is on, the default)     | rest of the API               |
| POST requests                  | 401                                         | the intake's rules            |

Public cases are all cases except those of a sensitive category (the item or its class is marked:
disputes, a household's needs). A public case carries no personal data: never the resident's name or
phone (GeoReport's first_name, last_name, phone, email and device_id are not kept at all), no
description (free text may name a resident, a neighbour or a phone number, and no filter can find
every name) and no photo (it may show a face or a number plate, and photos are served only to those
in scope). Its place is the grid's chain of area names and codes and the point of the issue itself.

A public answer may be kept by shared caches for OPEN311_PUBLIC_MAX_AGE seconds; anything else (a
key holder's answer, which may hold personal data, a refusal, a POST) is private and never stored.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework.permissions import SAFE_METHODS, BasePermission

# Fields of a service request that the public never gets (see above).
WITHHELD_FIELDS = ("description", "media_url")


class KeyUnlessPublic(BasePermission):
    """A key for every call but those the view answers in public (view.answers_in_public)."""

    def has_permission(self, request, view):
        return view.answers_in_public(request.method) or bool(request.user and request.user.is_authenticated)


def reads_in_public(method, public_read):
    """Is a call with this method answered without a key, where the view's reading is public?"""
    return method in SAFE_METHODS and method != "OPTIONS" and public_read


def sensitive():
    """The rule of sensitive cases: their item is marked, or its class is."""
    return Q(category__sensitive=True) | Q(category__parent__sensitive=True)


def public_incidents(incidents):
    """The cases the public sees, each knowing whether the case it duplicates is withheld (its
    status note then does not name it)."""
    withheld = incidents.model.objects.filter(sensitive(), pk=OuterRef("duplicate_of_id"))
    return (
        incidents.exclude(sensitive())
        .annotate(original_withheld=Exists(withheld))
        .prefetch_related(None)  # no photo goes to the public
    )


def mark_cacheable(response, public):
    """A public answer may be kept briefly by any cache; every other answer by none."""
    if public and response.status_code == 200 and settings.OPEN311_PUBLIC_MAX_AGE > 0:
        response.personal_data = False  # a public answer holds none (see the table above)
        patch_cache_control(response, public=True, max_age=settings.OPEN311_PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    # The same URL answers a key holder differently when the key comes in a header or a session.
    patch_vary_headers(response, ("Authorization", "Cookie", "Accept-Language"))
    return response
