"""The QR codes of places: every grid, community and service station has one live code, made when
first asked for; rotating retires it (its page then says it was replaced) and makes a new one,
without touching the place's own code."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from grids.models import ServiceStation

from .models import PlaceCode

TOKEN_BYTES = 6  # 8 URL-safe characters: short enough for a clean QR code, too many to guess


def _place(place):
    return {"station": place} if isinstance(place, ServiceStation) else {"area": place}


def code_for(place):
    """The live code of a place (an Area or a ServiceStation), made if it has none."""
    found = PlaceCode.objects.filter(retired_at__isnull=True, **_place(place)).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return PlaceCode.objects.create(token=secrets.token_urlsafe(TOKEN_BYTES), **_place(place))
    except IntegrityError:  # made by someone else meanwhile (one live code per place)
        return PlaceCode.objects.get(retired_at__isnull=True, **_place(place))


def rotate(place):
    """Retire the place's live code and make a new one, in one transaction; the new code."""
    with transaction.atomic():
        PlaceCode.objects.select_for_update().filter(retired_at__isnull=True, **_place(place)).update(
            retired_at=timezone.now()
        )
        return PlaceCode.objects.create(token=secrets.token_urlsafe(TOKEN_BYTES), **_place(place))


def codes_for(places):
    """code_for of many places at once: {place pk: live code} (areas only), made where missing."""
    areas = list(places)
    live = {c.area_id: c for c in PlaceCode.objects.filter(retired_at__isnull=True, area__in=areas)}
    missing = [area for area in areas if area.pk not in live]
    if missing:
        PlaceCode.objects.bulk_create(
            [PlaceCode(token=secrets.token_urlsafe(TOKEN_BYTES), area=area) for area in missing],
            ignore_conflicts=True,  # a code made meanwhile by someone else stands
        )
        live = {c.area_id: c for c in PlaceCode.objects.filter(retired_at__isnull=True, area__in=areas)}
    return live
