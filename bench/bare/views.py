"""POST {"client_id", "lon", "lat"} → one row inserted: the peer of POST /api/v1/incidents/.

Plain Django, the same middleware as the rest of the site, but no DRF, no login, no CSRF, no
point-in-polygon, no checks beyond what the insert itself needs."""

import json

from django.contrib.gis.geos import Point
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import BarePoint


@csrf_exempt
@require_POST
def insert_point(request):
    data = json.loads(request.body)
    row = BarePoint.objects.create(
        client_id=data["client_id"], location=Point(float(data["lon"]), float(data["lat"]), srid=4326)
    )
    return JsonResponse({"id": row.id, "client_id": str(row.client_id)}, status=201)
