from django.contrib import admin

from grids.scopes import Scope

from .models import PlaceCode, ResidentReport


@admin.register(PlaceCode)
class PlaceCodeAdmin(admin.ModelAdmin):
    """Read-only: codes are made when first asked for and rotated at /dispatch/posters/ (residents.codes)."""

    list_display = ("token", "area", "station", "created_at", "retired_at")
    list_filter = ("retired_at",)
    search_fields = ("token", "area__code", "area__name", "station__name")

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request), "area__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ResidentReport)
class ResidentReportAdmin(admin.ModelAdmin):
    """Read-only: reports are decided on at /dispatch/residents/ (residents.acceptance)."""

    list_display = ("tracking_code", "grid", "topic", "status", "received_at", "due_at")
    list_filter = ("status", "topic")
    search_fields = ("tracking_code",)
    exclude = ("secret_digest", "device", "fingerprint", "client_id", "contact_name", "contact_phone")

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request), "grid__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
