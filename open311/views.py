"""Open311 GeoReport v2 at /open311/v2/: services, one service's definition, requests (list and
create) and one request, each as .json and .xml (the URL pattern gives the view its renderer).

As the spec has it, reading needs no key and POST needs an api_key (a govgrid token, see
open311.auth); open311.public says what a caller without a key gets. A caller with a key is answered
within their scope, as the rest of the API does: a case outside it does not exist.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.errors import NotFound
from govgrid.lib.moments import BoundedDateTimeField
from govgrid.lib.parsers import BoundedJSONParser
from grids.auth import ScopedTokenAuthentication
from incidents.api import IncidentScopedMixin
from incidents.duplicates import possible_duplicates
from incidents.models import Category, IncidentEvent

from . import schema as docs
from .auth import ApiKeyAuthentication
from .formats import SuffixNegotiation, open311_errors
from .intake import FIELD_NAMES, create_request, is_district
from .public import KeyUnlessPublic, mark_cacheable, public_incidents, reads_in_public
from .representation import OPEN311_OPEN, request_json, service_definition, service_json

DEFAULT_DAYS = 90  # the spec's default and largest span of GET requests
MAX_REQUESTS = 1000  # the spec's suggested largest answer


class Open311View(IncidentScopedMixin, APIView):
    authentication_classes = [ApiKeyAuthentication, ScopedTokenAuthentication, SessionAuthentication]
    permission_classes = [KeyUnlessPublic]
    content_negotiation_class = SuffixNegotiation
    parser_classes = [FormParser, MultiPartParser, BoundedJSONParser]
    xml_root = "service_requests"
    schema = docs.Open311AutoSchema()

    def public_read(self):
        """Does this view's reading answer callers without a key?"""
        return False

    def answers_in_public(self, method):
        return reads_in_public(method, self.public_read())

    @property
    def in_public(self):
        """Is this request answered as to the public (no key, no login)?"""
        return not self.request.user.is_authenticated

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return mark_cacheable(response, public=request.method in ("GET", "HEAD") and self.in_public)

    def get_exception_handler(self):
        return lambda exc, context: open311_errors(exc, context, FIELD_NAMES)

    def photo_url(self, incident, photo):
        return self.request.build_absolute_uri(reverse("incident-photo", args=[incident.code, photo.id]))

    def as_requests(self, incidents):
        return [request_json(incident, self.scope, self.photo_url, public=self.in_public) for incident in incidents]

    def cases(self):
        """Cases the caller may see (the public's without a key), with what a service request shows."""
        latest_event = IncidentEvent.objects.filter(incident=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
        cases = public_incidents(self.incident_queryset()) if self.in_public else self.incidents()
        return cases.select_related("category", "duplicate_of", "department").annotate(
            updated_at=Subquery(latest_event)
        )


def active_services():
    return Category.objects.reportable().filter(parent__active=True).select_related("parent")


class PublicServicesView(Open311View):
    """Services and their definitions are public: a client needs them before it has any key."""

    def public_read(self):
        return True


class PublicRequestsView(Open311View):
    def public_read(self):
        return settings.OPEN311_PUBLIC_READ


class ServiceListView(PublicServicesView):
    """GET services.json|xml — every category item a request can be filed under."""

    xml_root = "services"

    @docs.services_list
    def get(self, request):
        return Response([service_json(item) for item in active_services().order_by("code")])


class ServiceDefinitionView(PublicServicesView):
    """GET services/<service_code>.json|xml — the attributes a request of this service may carry."""

    xml_root = "service_definition"

    @docs.service_definition
    def get(self, request, service_code):
        item = active_services().filter(code=service_code).first()
        if item is None:
            raise NotFound(_("No service has the code %(code)s.") % {"code": service_code}, field="service_code")
        return Response(service_definition(item))


class CommaList(serializers.CharField):
    """a,b,c → ["a", "b", "c"] (blank items dropped)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        ProhibitNullCharactersValidator()(text)  # PostgreSQL cannot compare text holding NUL
        return [item.strip() for item in text.split(",") if item.strip()]


class RequestsQuery(serializers.Serializer):
    jurisdiction_id = serializers.CharField(required=False, max_length=6)
    service_request_id = CommaList(required=False, max_length=25 * MAX_REQUESTS)
    service_code = CommaList(required=False, max_length=2000)
    start_date = BoundedDateTimeField(required=False)
    end_date = BoundedDateTimeField(required=False)
    status = CommaList(required=False, max_length=20)

    def validate_jurisdiction_id(self, value):
        if not is_district(value):
            raise serializers.ValidationError(_("No jurisdiction has the id %(id)s.") % {"id": value})
        return value

    def validate_service_code(self, codes):
        known = set(active_services().filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(_("No service has the code %(code)s.") % {"code": unknown[0]})
        return codes

    def validate_status(self, statuses):
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise serializers.ValidationError(_("A status is open or closed, not %(status)s.") % {"status": wrong[0]})
        return statuses

    def validate(self, data):
        start, end = data.get("start_date"), data.get("end_date")
        if start is None and end is None:
            end = timezone.now()
        # Within govgrid's years (BoundedDateTimeField), a default span cannot overflow.
        if start is None:
            start = end - timedelta(days=DEFAULT_DAYS)
        if end is None:
            end = start + timedelta(days=DEFAULT_DAYS)
        if end <= start:
            raise serializers.ValidationError({"end_date": _("The end date must come after the start date.")})
        if end - start > timedelta(days=DEFAULT_DAYS):
            raise serializers.ValidationError(
                {"end_date": _("The dates may span at most %(days)d days.") % {"days": DEFAULT_DAYS}}
            )
        return data | {"start_date": start, "end_date": end}


class RequestListView(PublicRequestsView):
    """GET requests.json|xml — public requests, or those in the key holder's scope, newest first, at most 1000.
    POST requests.json|xml — file a request (see open311.intake)."""

    @docs.requests_list
    def get(self, request):
        query = RequestsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        cases = self.cases()
        if filters.get("service_request_id"):
            # The spec: a list of ids overrides every other filter.
            cases = cases.filter(code__in=filters["service_request_id"][:MAX_REQUESTS])
        else:
            # The spec's dates select on requested_datetime: when govgrid received the case.
            cases = cases.filter(received_at__gte=filters["start_date"], received_at__lt=filters["end_date"])
            if filters.get("jurisdiction_id"):
                cases = cases.filter(area_code__startswith=filters["jurisdiction_id"])
            if filters.get("service_code"):
                cases = cases.filter(category__code__in=filters["service_code"])
            statuses = set(filters.get("status") or ())
            if statuses == {"open"}:
                cases = cases.filter(status__in=OPEN311_OPEN)
            elif statuses == {"closed"}:
                cases = cases.exclude(status__in=OPEN311_OPEN)
        return Response(self.as_requests(cases.order_by("-received_at", "-id")[:MAX_REQUESTS]))

    @docs.requests_create
    def post(self, request):
        incident, created, duplicates, notice = create_request(request, self.scope)
        if not created:
            duplicates = possible_duplicates(incident, self.scope)
        if duplicates and notice is None:
            notice = _("Open requests of this service nearby: %(codes)s.") % {
                "codes": ", ".join(d["code"] for d in duplicates)
            }
        body = [{"service_request_id": incident.code, "service_notice": notice, "account_id": None}]
        return Response(body, status=201 if created else 200)


class RequestDetailView(PublicRequestsView):
    """GET requests/<service_request_id>.json|xml — one request, as a list of one (the spec's form)."""

    @docs.request_detail
    def get(self, request, service_request_id):
        incident = self.cases().filter(code=service_request_id).first()
        if incident is None:
            raise NotFound(_("No request has the id %(id)s.") % {"id": service_request_id}, field="service_request_id")
        return Response(self.as_requests([incident]))
