"""Incidents API: grid workers report from their phones; everyone reads the cases in their scope."""

from django.contrib.gis.geos import Point
from django.db.models import Prefetch
from django.http import FileResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.formatting import lazy_format
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.views import APIView

from govgrid.lib import coords
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.moments import BoundedDateField, BoundedDateTimeField
from govgrid.lib.parsers import BoundedJSONParser
from govgrid.lib.privacy import personal_data
from grids.api import ScopedMixin
from grids.personal import CASE_CONTACT
from grids.scopes import Forbidden

from . import schema as docs
from .duplicates import lon_lat_of, possible_duplicates
from .intake import Report, report_incident
from .models import Category, Incident, IncidentPhoto, Status
from .photos import add_photo
from .words import case_status_label, timeline, with_arrival
from .workflow import act

# The timeline's fields given in words as well as values.
LABELLED = ("action", "from_status", "to_status", "from_level", "to_level")


class ReportSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    # The code of an active category item (GET /api/v1/categories/), looked up by report_incident
    # in the same round trip as the grid.
    category = serializers.CharField(max_length=10, trim_whitespace=False)
    description = serializers.CharField(max_length=2000)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")
    accuracy_m = serializers.FloatField(min_value=0, max_value=100_000, required=False, allow_null=True)
    # Years outside 1900–2999 are refused by the field (govgrid.lib.moments); the window around the
    # moment of reception is the intake's rule (intake.report_time_refusal).
    reported_at = BoundedDateTimeField(required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.RegexField(r"^[0-9+\- ]{5,20}$", required=False, allow_blank=True, default="")

    @property
    def fields(self):
        # One of intake's speed-ups (docs/speed.md lists them together, with what each costs).
        # DRF copies every declared field and binds the copies for each serializer it makes (what
        # that cost a report: bench/README.md). These fields keep nothing that validating a report
        # changes (each report's errors and values live on its own serializer) and read nothing
        # from the serializer they are bound to but its context and whether it is partial, so one
        # bound set per class, made on first use, serves every report this process receives. A
        # serializer with a context or partial (the schema generator's) gets its own set, as DRF
        # makes it. A test keeps the shared set so: flat, bound to a serializer that carries no
        # report, and wording each refusal in the language of the request that gets it.
        if self.partial or self._context:
            if "_own_fields" not in self.__dict__:
                self._own_fields = self._bind(self, self.get_fields())
            return self._own_fields
        serializer_class = type(self)
        bound = serializer_class.__dict__.get("_bound_fields")
        if bound is None:
            fields = self.get_fields()
            for field in fields.values():
                for validator in field.validators:
                    _worded_per_request(validator)
            bound = serializer_class._bound_fields = self._bind(serializer_class(), fields)
        return bound

    @staticmethod
    def _bind(serializer, fields):
        bound = BindingDict(serializer)
        for name, field in fields.items():
            bound[name] = field
        return bound

    def to_internal_value(self, data):
        """When other fields are refused, an unknown category is named with them (one query, on
        this path only); a report whose fields are all well formed has its category checked by
        report_incident, in the round trip that finds the grid."""
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as refused:
            code = data.get("category") if hasattr(data, "get") else None
            if "category" in refused.detail or not isinstance(code, str):
                raise
            if Category.objects.reportable().filter(code=code).exists():
                raise
            unknown = {"category": [_("No category has the code {value}.").format(value=code)]}
            raise serializers.ValidationError(
                {name: (unknown | refused.detail)[name] for name in self.fields if name in unknown | refused.detail}
            ) from None


def _worded_per_request(validator):
    """DRF words a length or range limit with its lazy_format, which keeps the text of the first
    language it was rendered in: on a field shared by every request, that language would stay.
    Django's format_lazy renders in the language of each request."""
    message = getattr(validator, "message", None)
    if isinstance(message, lazy_format) and message.format_string is not None:
        validator.message = format_lazy(message.format_string, *message.args, **message.kwargs)


def incident_json(incident, scope, duplicates=None):
    chain = getattr(incident, "chain_names", None)  # a case just written (incidents.intake)
    if chain is None:
        chain = {area.level: {"code": area.code, "name": area.name} for area in incident.grid.chain()}
    body = {
        "id": incident.id,
        "code": incident.code,
        "client_id": str(incident.client_id),
        "status": incident.status,
        # The status as people read it (incidents/words.py): 已提级 after an escalation, 已退回 after a return.
        "status_label": str(case_status_label(incident)),
        "level": incident.level,
        "version": incident.version,
        "category": {"code": incident.category.code, "name": incident.category.name},
        "description": incident.description,
        "location": [round(coordinate, 7) for coordinate in lon_lat_of(incident)],
        "input": {
            "lon": incident.input_lon,
            "lat": incident.input_lat,
            "crs": incident.input_crs,
            "accuracy_m": incident.accuracy_m,
        },
        "low_accuracy": incident.low_accuracy,
        "grid": chain.get("grid"),
        "community": chain.get("community"),
        "street": chain.get("street"),
        "reported_at": incident.reported_at,
        "received_at": incident.received_at,
        "due_at": incident.due_at,
        "rating": incident.rating,
        "awaits_rating_decision": incident.awaits_rating_decision,
        "department": incident.department and {"code": incident.department.code, "name": incident.department.name},
        "needs_verification": incident.needs_verification,
        "review_on": incident.review_on,
        "supervised_at": incident.supervised_at,
        "photos": [
            {
                "id": p.id,
                "sha256": p.sha256,
                "content_type": p.content_type,
                "size": p.size,
                "url": f"/api/v1/incidents/{incident.code}/photos/{p.id}/",
            }
            for p in photos_of(incident)
        ],
    }
    # The resident's contact details: by the rule of personal data (grids/personal.py).
    if CASE_CONTACT.shows(scope, incident):
        body["contact"] = {"name": incident.contact_name, "phone": incident.contact_phone}
    if duplicates is not None:
        body["possible_duplicates"] = duplicates
    return body


def photos_of(incident):
    """The photos just stored with a new case, or the case's photos (prefetched when listed)."""
    listed = getattr(incident, "photo_list", None)
    return listed if listed is not None else incident.photos.all()


@personal_data  # cases carry residents' contacts and photos; Open311's views are made from it too
class IncidentScopedMixin(ScopedMixin):
    def incidents(self):
        """Cases in scope, the caller's own reports and the cases they handed on (grids/scopes.py)."""
        return self.scope.incidents(self.incident_queryset())

    @staticmethod
    def incident_queryset():
        return with_arrival(
            Incident.objects.select_related("category", "grid__parent__parent__parent", "department")
            .defer(
                "grid__geom", "grid__parent__geom", "grid__parent__parent__geom", "grid__parent__parent__parent__geom"
            )
            .prefetch_related("photos")
        )

    def get_incident(self, code):
        incident = self.incidents().filter(code=code).first()
        if incident is None:
            raise NotFound(_("No case has the code %(code)s.") % {"code": code}, field="code")
        return incident


class IncidentPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_view(get=docs.case_list)
class IncidentListCreateView(IncidentScopedMixin, ListAPIView):
    """GET /api/v1/incidents/[?mine=1|?verify=1] — cases in scope, newest first; `verify`: those of
    the caller's grids that a department resolved, waiting for their verification on site.
    POST /api/v1/incidents/ — report a case (JSON, or multipart with `photos`)."""

    pagination_class = IncidentPagination
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        incidents = self.incidents().order_by("-received_at")
        if self.request.query_params.get("mine"):
            incidents = incidents.filter(reporter=self.request.user)
        if self.request.query_params.get("verify"):
            incidents = incidents.filter(
                status=Status.RESOLVED, needs_verification=True, grid__code__in=self.scope.grid_work
            )
        return incidents

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([incident_json(i, self.scope) for i in page])

    @docs.case_report(ReportSerializer)
    def post(self, request):
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        incident, created, duplicates = report_incident(
            request.user, Report(**data.validated_data), photos, scope=self.scope
        )
        if not created:
            # A retry: the reporter's own case, even if it has since left the reporter's scope.
            incident = self.incident_queryset().get(pk=incident.pk, reporter=request.user)
            duplicates = possible_duplicates(incident, self.scope)
        body = incident_json(incident, self.scope, duplicates)
        return Response(body, status=201 if created else 200)


class IncidentDetailView(IncidentScopedMixin, APIView):
    @docs.case_detail
    def get(self, request, code):
        return Response(incident_json(self.get_incident(code), self.scope))


class PhotoPlace(serializers.Serializer):
    """What a photo shows (before or after the work) and where it was taken, as the phone says it."""

    kind = serializers.ChoiceField(choices=IncidentPhoto.Kind.choices, default=IncidentPhoto.Kind.BEFORE)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")

    def validate(self, data):
        if (data["lon"] is None) != (data["lat"] is None):
            raise serializers.ValidationError({"lat": _("Give both the longitude and the latitude, or neither.")})
        return data

    def point(self):
        data = self.validated_data
        if data["lon"] is None:
            return None
        lon, lat = coords.to_wgs84(data["lon"], data["lat"], data["crs"])
        return Point(lon, lat, srid=4326)


class PhotoUploadView(IncidentScopedMixin, APIView):
    """POST /api/v1/incidents/<code>/photos/ with a `photo` file: 201 new, 200 already there."""

    parser_classes = [MultiPartParser, FormParser]

    @docs.photo_upload
    def post(self, request, code):
        incident = self.get_incident(code)
        # Those who handle the case add photos, and so does its reporter wherever it has gone since:
        # a phone's queued photos arrive after the case may have been escalated out of their grid;
        # the department holding it and the grid's workers (who verify it on site) too.
        if not (
            self.scope.changes(incident.area_code)
            or incident.reporter_id == request.user.pk
            or (incident.department_id and self.scope.serves_in(incident.department_id))
            or self.scope.works_in_grid(incident.grid.code)
        ):
            raise Forbidden(
                _("You may look at case %(code)s but not add photos to it.") % {"code": incident.code}, field="photo"
            )
        upload = request.FILES.get("photo")
        if upload is None:
            raise GovgridError(_("Send the picture as the file field `photo`."), field="photo")
        where = PhotoPlace(data=request.data)
        where.is_valid(raise_exception=True)
        photo, created = add_photo(incident, upload, where.validated_data["kind"], where.point(), request.user)
        return Response(
            {
                "id": photo.id,
                "sha256": photo.sha256,
                "size": photo.size,
                "url": f"/api/v1/incidents/{incident.code}/photos/{photo.id}/",
            },
            status=201 if created else 200,
        )


class PhotoFileView(IncidentScopedMixin, APIView):
    @docs.photo_file
    def get(self, request, code, photo_id):
        photo = self.get_incident(code).photos.filter(pk=photo_id).first()
        if photo is None:
            raise NotFound(_("No such photo."))
        return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


class CategoryListView(APIView):
    """GET /api/v1/categories/ — the active categories as a two-level tree."""

    permission_classes = [IsAuthenticated]

    @docs.categories
    def get(self, request):
        active = Category.objects.filter(active=True)
        classes = active.filter(parent__isnull=True).prefetch_related(
            Prefetch("items", queryset=active, to_attr="active_items")
        )
        return Response(docs.CategoryClass(classes, many=True).data)


class ActionRequest(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    rating = serializers.IntegerField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    duplicate_of = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    # dispatch: the lead department's code and the co-handlers'
    department = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    co_departments = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=10, required=False, default=list
    )
    due_at = BoundedDateTimeField(required=False, allow_null=True, default=None)  # extend
    review_on = BoundedDateField(required=False, allow_null=True, default=None)  # park
    override = serializers.BooleanField(required=False, default=False)  # close without verification
    reached = serializers.BooleanField(required=False, allow_null=True, default=None)  # callback
    satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)  # callback


class IncidentActionView(IncidentScopedMixin, APIView):
    """POST /api/v1/incidents/<code>/<action>/ {version, reason, note, ...} for every action of
    incidents.actions.ACTIONS, with what each takes (ActionRequest)."""

    @docs.case_action(ActionRequest)
    def post(self, request, code, action):
        data = ActionRequest(data=request.data)
        data.is_valid(raise_exception=True)
        incident = act(request.user, code, action, scope=self.scope, **data.validated_data)
        incident = self.incident_queryset().get(pk=incident.pk)
        return Response(incident_json(incident, self.scope) | {"version": incident.version})


class TimelineView(IncidentScopedMixin, APIView):
    """GET /api/v1/incidents/<code>/timeline/ — the case's events, oldest first."""

    @docs.case_timeline
    def get(self, request, code):
        incident = self.get_incident(code)
        events = incident.events.select_related("actor", "department").order_by("at", "id")
        return Response(
            [
                {
                    "at": row["event"].at,
                    "action": row["event"].action,
                    "actor": row["event"].actor and (row["event"].actor.first_name or row["event"].actor.username),
                    "from_status": row["event"].from_status,
                    "to_status": row["event"].to_status,
                    "from_level": row["event"].from_level,
                    "to_level": row["event"].to_level,
                    "reason": row["event"].reason,
                    "note": row["event"].note,
                    "department": row["event"].department and row["event"].department.code,
                    # Their words, in the caller's language (incidents/words.py).
                    "labels": {name: str(row[f"{name}_label"]) for name in LABELLED},
                }
                for row in timeline(events)
            ]
        )
