"""People API: who serves where. Personal data (grids.scopes.PERSONAL_FIELDS: phone, gender, year of
birth, home community, work unit) only where grids.scopes allows it; otherwise the phone is masked and
the rest left out."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.errors import NotFound
from govgrid.lib.privacy import personal_data

from . import schema as docs
from .api import AreaCodeField, ScopedMixin
from .models import Assignment, HouseholdLink, Person, Role
from .personal import PHONE_MASK
from .scopes import PERSONAL_FIELDS


class PersonSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    home_community = serializers.SlugRelatedField(slug_field="code", read_only=True)
    work_unit = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "is_party_member",
            "work_unit",
            "home_community",
            "roles",
            "phone",
            "gender",
            "birth_year",
        ]

    @extend_schema_field(docs.RoleInArea(many=True))
    def get_roles(self, person):
        scope = self.context["scope"]
        return [
            {"role": a.role, "area": a.area.code, "since": a.starts_on}
            for a in person.active_assignments
            if scope.sees(a.area.code)
        ]

    def to_representation(self, person):
        data = super().to_representation(person)
        visible = self.context["scope"].shows_personal_data_of(person)
        data["personal_data_visible"] = visible
        if not visible:
            data.update(dict.fromkeys(PERSONAL_FIELDS))
            data["phone"] = PHONE_MASK.mask(person.phone)
        return data


class PeopleQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)


class PeoplePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def people_queryset(scope):
    active = Assignment.objects.active().select_related("area")
    links = HouseholdLink.objects.active().select_related("grid")
    return (
        scope.people(Person.objects.select_related("home_community", "work_unit"))
        .prefetch_related(
            Prefetch("assignments", queryset=active, to_attr="active_assignments"),
            Prefetch("household_links", queryset=links, to_attr="active_household_links"),
        )
        .order_by("id")
    )


@personal_data
@extend_schema_view(get=docs.people_list(PeopleQuery, PersonSerializer))
class PeopleListView(ScopedMixin, ListAPIView):
    """GET /api/v1/people/?within=<code>&role=<role> — people serving or living in the caller's areas."""

    serializer_class = PersonSerializer
    pagination_class = PeoplePagination

    def get_serializer_context(self):
        return super().get_serializer_context() | {"scope": self.scope}

    def get_queryset(self):
        query = PeopleQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        people = people_queryset(self.scope)
        within, role = query.validated_data.get("within"), query.validated_data.get("role")
        if within:
            self.scope.check_sees(within)
        if within or role:
            assignments = Assignment.objects.active()
            if within:
                assignments = assignments.filter(area__code__startswith=within)
            if role:
                assignments = assignments.filter(role=role)
            people = people.filter(pk__in=assignments.values("person_id"))
        return people


@personal_data
class PersonDetailView(ScopedMixin, APIView):
    """GET /api/v1/people/<id>/ — one person, 404 outside the caller's areas."""

    @docs.person_detail(PersonSerializer)
    def get(self, request, pk):
        person = people_queryset(self.scope).filter(pk=pk).first()
        if person is None:
            raise NotFound(_("No such person in your areas."))
        return Response(PersonSerializer(person, context={"scope": self.scope}).data)
