from django.contrib import admin

from grids.admin_read_only import ReadOnlyScopedAdmin

from .models import PlaceCode, ResidentReport


@admin.register(PlaceCode)
class PlaceCodeAdmin(ReadOnlyScopedAdmin):
    """Read-only: codes are made when first asked for and rotated at /dispatch/posters/ (residents.codes)."""

    scope_field = "area__code"

    list_display = ("token", "area", "station", "created_at", "retired_at")
    list_filter = ("retired_at",)
    search_fields = ("token", "area__code", "area__name", "station__name")


@admin.register(ResidentReport)
class ResidentReportAdmin(ReadOnlyScopedAdmin):
    """Read-only: reports are decided on at /dispatch/residents/ (residents.acceptance)."""

    scope_field = "grid__code"

    list_display = ("tracking_code", "grid", "topic", "status", "received_at", "due_at")
    list_filter = ("status", "topic")
    search_fields = ("tracking_code",)
    exclude = ("secret_digest", "device", "fingerprint", "client_id", "contact_name", "contact_phone")
