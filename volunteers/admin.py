from django.contrib import admin

from grids.admin_read_only import ReadOnlyScopedAdmin

from .models import Activity, LedgerEntry, Profile, ServiceRequest, Team, TeamMember


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyScopedAdmin):
    """Read-only: requests change through their steps (volunteers.services)."""

    scope_field = "community__code"
    list_display = ("tracking_code", "community", "kind", "status", "tier", "asked_at")
    list_filter = ("status", "kind")
    search_fields = ("tracking_code",)
    exclude = ("secret_digest", "client_id", "contact_name", "contact_phone")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyScopedAdmin):
    """Read-only: the ledger is append-only; a mistake is set right by a correction row."""

    scope_field = "community__code"
    list_display = ("person", "kind", "on", "hours", "points", "community", "work_unit")
    list_filter = ("kind",)
    raw_id_fields = ("person",)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyScopedAdmin):
    """Read-only: activities are published and attended through their pages (volunteers.activities)."""

    scope_field = "community__code"
    list_display = ("title", "community", "starts_at", "hours", "status")
    exclude = ("secret",)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ("person",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "work_unit")
    raw_id_fields = ("community", "leader")
    inlines = [TeamMemberInline]

    def get_queryset(self, request):
        from grids.scopes import Scope

        return Scope.for_user(request.user).filter(super().get_queryset(request), "community__code")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("person", "skills", "available")
    raw_id_fields = ("person",)
