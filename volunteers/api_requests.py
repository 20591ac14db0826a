"""The service requests' API: staff and grid workers ask for residents and review, volunteers claim,
give back and record done (volunteers.services), residents ask, follow, confirm and rate from the
resident page with no account (volunteers.asking)."""

from django.contrib.gis.geos import Point
from django.http import FileResponse
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib import coords
from govgrid.lib.api_input import Versioned, checked
from govgrid.lib.errors import NotFound
from govgrid.lib.moments import BoundedDateTimeField
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField
from grids.models import Area, Level
from residents import links
from residents.senders import NoAccountView, address_of, check_same_site, device_of

from . import asking, kinds, reading, services
from . import schema_requests as docs
from .models import ServiceRequest


class ServiceFields(serializers.Serializer):
    """What a request asks for, the same from the resident page and from staff."""

    kind = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=2000)
    for_whom = serializers.CharField(max_length=20)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    wanted_from = BoundedDateTimeField(required=False, allow_null=True, default=None)
    wanted_until = BoundedDateTimeField(required=False, allow_null=True, default=None)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")
    client_id = serializers.UUIDField()

    def validate(self, data):
        if (data["lon"] is None) != (data["lat"] is None):
            raise serializers.ValidationError({"lat": _("Give both the longitude and the latitude, or neither.")})
        return data


def _place(given):
    """(fields for services.checked_fields, point or None, client_id) from the checked input."""
    lon, lat, crs = given.pop("lon"), given.pop("lat"), given.pop("crs")
    client_id = given.pop("client_id")
    point = None
    if lon is not None:
        x, y = coords.to_wgs84(lon, lat, crs)
        point = Point(float(x), float(y), srid=4326)
    return given, point, client_id


class AskRequest(ServiceFields):
    community = AreaCodeField()
    grid = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    household_link = serializers.IntegerField(required=False, allow_null=True, default=None)


class ListQuery(serializers.Serializer):
    mine = serializers.ChoiceField(choices=["offered", "tasks", "asked"], required=False, default="")
    status = serializers.ChoiceField(choices=ServiceRequest.Status.choices, required=False, default="")
    community = AreaCodeField(required=False, default="")


@personal_data  # residents' names and phones
class RequestListView(APIView):
    """GET, POST /api/v1/service-requests/"""

    permission_classes = [IsAuthenticated]

    @docs.request_list
    def get(self, request):
        query = checked(ListQuery, request.query_params)
        found = reading.requests_for(request.user, **query)[:300]
        return Response([reading.row(request.user, item) for item in found])

    @docs.request_create(AskRequest)
    def post(self, request):
        given = checked(AskRequest, request.data)
        community, grid, link = given.pop("community"), given.pop("grid"), given.pop("household_link")
        fields, point, client_id = _place(given)
        made, created = services.ask_for(
            request.user, community, client_id, fields, point=point, grid_code=grid, household_link=link
        )
        return Response(reading.detail(request.user, reading.seen(request.user, made.tracking_code)),
                        status=201 if created else 200)  # fmt: skip


@personal_data
class RequestView(APIView):
    """GET /api/v1/service-requests/<code>/"""

    permission_classes = [IsAuthenticated]

    @docs.request_detail
    def get(self, request, code):
        return Response(reading.detail(request.user, reading.seen(request.user, code)))


class ReasonRequest(Versioned):
    reason = serializers.CharField(max_length=500)


class CaseRequest(Versioned):
    category = serializers.CharField(max_length=10)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AssignRequest(Versioned):
    person = serializers.IntegerField(min_value=1)


class ConfirmRequest(Versioned):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GiveBackRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DoneRequest(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=services.MAX_MINUTES)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    photo = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=services.MAX_PHOTOS
    )  # a form's files: what the service left (optional)


class NoInput(serializers.Serializer):
    pass


# path word → (the input it takes, how it is taken)
ACTIONS = {
    "accept": (Versioned, lambda user, code, g: services.accept(user, code, g["version"])),
    "refuse": (ReasonRequest, lambda user, code, g: services.refuse(user, code, g["version"], g["reason"])),
    "make-case": (CaseRequest, lambda user, code, g: services.make_case(user, code, g["version"], g["category"],
                                                                         g["description"])),
    "assign": (AssignRequest, lambda user, code, g: services.assign(user, code, g["version"], g["person"])),
    "cancel": (ReasonRequest, lambda user, code, g: services.cancel(user, code, g["version"], g["reason"])),
    "confirm": (ConfirmRequest, lambda user, code, g: services.confirm_for_resident(user, code, g["version"],
                                                                                     g["rating"], g["comment"])),
    "claim": (NoInput, lambda user, code, g: services.claim(user, code)),
    "give-back": (GiveBackRequest, lambda user, code, g: services.give_back(user, code, g["reason"])),
    "done": (DoneRequest, lambda user, code, g: services.done(user, code, g["minutes"], g["note"], g["photo"])),
}  # fmt: skip


def _action_view(name):
    request_class, take = ACTIONS[name]

    @personal_data
    class ActionView(APIView):
        permission_classes = [IsAuthenticated]

        @docs.action(name, request_class)
        def post(self, request, code):
            data = request.data
            if hasattr(data, "getlist"):  # a form: its files are the photos
                data = {key: data.get(key) for key in data if key != "photo"} | {
                    "photo": request.FILES.getlist("photo")
                }
            take(request.user, code, checked(request_class, data))
            return Response(reading.detail(request.user, reading.seen(request.user, code)))

    ActionView.__name__ = ActionView.__qualname__ = "".join(w.title() for w in name.split("-")) + "View"
    ActionView.__doc__ = f"POST /api/v1/service-requests/<code>/{name}/"
    return ActionView


ACTION_VIEWS = {name: _action_view(name) for name in ACTIONS}


class PhotoView(APIView):
    """GET /api/v1/service-requests/<code>/photos/<id>/: a photo of the service done, to those who read
    the request."""

    permission_classes = [IsAuthenticated]

    @docs.photo
    def get(self, request, code, photo_id):
        seen = reading.seen(request.user, code)
        photo = seen.photos.filter(pk=photo_id).first()
        if photo is None:
            raise NotFound(_("No such photo of this request."), field="photo")
        return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


class KindsQuery(serializers.Serializer):
    community = AreaCodeField()


class KindsView(NoAccountView):
    """GET /api/v1/service-kinds/?community=<code>: public words, asked by the resident page too."""

    @docs.kinds_offered
    def get(self, request):
        code = checked(KindsQuery, request.query_params)["community"]
        if not Area.objects.filter(code=code, level=Level.COMMUNITY).exists():
            raise NotFound(_("No community has the code %(code)s.") % {"code": code}, field="community")
        return Response({
            "kinds": [{"key": key, "label": label} for key, label in kinds.choices_in(code)],
            "for_whom": [{"key": key, "label": str(label)} for key, label in kinds.FOR_WHOM.items()],
        })  # fmt: skip


# --- residents, with no account -----------------------------------------------------------------


class ResidentAskRequest(ServiceFields):
    place_code = serializers.CharField(max_length=16)  # the QR code's token
    secret = serializers.RegexField(links.SECRET_PATTERN, required=False, allow_blank=True, default="")


def asked_answer(request, secret):
    return {
        "tracking_code": request.tracking_code,
        "link": f"/r/s/{secret}/" if secret else None,
        "status": request.status,
        "asked_at": request.asked_at,
    }


@personal_data  # the answer's private link is the resident's key
class ResidentAskView(NoAccountView):
    """POST /api/v1/resident/services/"""

    @docs.resident_ask(ResidentAskRequest)
    def post(self, request):
        check_same_site(request)
        given = checked(ResidentAskRequest, request.data)
        token, secret = given.pop("place_code"), given.pop("secret")
        lon, lat, crs, client_id = given.pop("lon"), given.pop("lat"), given.pop("crs"), given.pop("client_id")
        made, created, secret = asking.receive(
            token, client_id, given, lon=lon, lat=lat, crs=crs, secret=secret,
            device=device_of(request), address=address_of(request),
        )  # fmt: skip
        return Response(asked_answer(made, secret), status=201 if created else 200)


@personal_data
class ResidentFollowView(NoAccountView):
    """GET /api/v1/resident/services/<secret>/"""

    @docs.resident_follow
    def get(self, request, secret):
        return Response(asking.public_view(asking.by_secret(secret)))


class ResidentConfirmRequest(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ResidentCancelRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@personal_data
class ResidentConfirmView(NoAccountView):
    """POST /api/v1/resident/services/<secret>/confirm/"""

    @docs.resident_act("confirm", ResidentConfirmRequest)
    def post(self, request, secret):
        given = checked(ResidentConfirmRequest, request.data)
        made = services.confirm_by_resident(asking.by_secret(secret).pk, given["rating"], given["comment"])
        return Response(asking.public_view(made))


@personal_data
class ResidentCancelView(NoAccountView):
    """POST /api/v1/resident/services/<secret>/cancel/"""

    @docs.resident_act("cancel", ResidentCancelRequest)
    def post(self, request, secret):
        given = checked(ResidentCancelRequest, request.data)
        made = services.cancel_by_resident(asking.by_secret(secret).pk, given["reason"])
        return Response(asking.public_view(made))
