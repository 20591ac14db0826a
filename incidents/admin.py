from django.contrib import admin

from grids.admin import ScopedAdmin
from grids.personal import CASE_CONTACT
from grids.scopes import Scope

from .models import Category, Dispatch, Incident, IncidentEvent, ResponseTemplate, Route


class ItemInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = [
        "code",
        "name",
        "deadline_grid_hours",
        "deadline_community_hours",
        "deadline_street_hours",
        "deadline_department_hours",
        "calendar_time",
        "sensitive",
        "active",
    ]


class RouteInline(admin.TabularInline):
    """Which departments handle this category (an item, or a whole class) and where."""

    model = Route
    extra = 0
    raw_id_fields = ["street"]
    fields = ["department", "street", "handling_hours", "rank"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "deadline_grid_hours",
        "deadline_community_hours",
        "deadline_street_hours",
        "deadline_department_hours",
        "calendar_time",
        "sensitive",
        "active",
    ]
    list_filter = ["active", "calendar_time", "sensitive", "parent"]
    search_fields = ["code", "name"]
    inlines = [ItemInline, RouteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class EventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "department", "from_status", "to_status", "from_level", "to_level", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class DispatchInline(admin.TabularInline):
    model = Dispatch
    extra = 0
    can_delete = False
    fields = ["department", "role", "dispatched_at", "sign_due_at", "signed_at", "due_at", "ended_at", "outcome"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ScopedAdmin):
    """Read-only here: a case changes only through its workflow actions, which write its events."""

    scope_field = "area_code"
    list_display = ["code", "category", "status", "level", "area_code", "received_at", "due_at", "low_accuracy"]
    list_filter = ["status", "level", "channel", "low_accuracy", "category__parent"]
    search_fields = ["code", "description", "area_code"]
    list_select_related = ["category"]
    show_full_result_count = False
    inlines = [DispatchInline, EventInline]

    def get_exclude(self, request, obj=None):
        # The resident's contact: by the scope's rule of personal data, not for everyone who may look.
        scope = Scope.for_user(request.user)
        if obj is not None and CASE_CONTACT.shows(scope, obj):
            return []
        return ["contact_name", "contact_phone"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ["text", "use", "category", "area", "department"]
    list_filter = ["use", "department"]
    search_fields = ["text"]
    raw_id_fields = ["area"]
