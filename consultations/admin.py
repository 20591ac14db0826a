from django.contrib import admin

from grids.admin_read_only import ReadOnlyScopedAdmin
from grids.scopes import Scope

from .models import Item, Method


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ("community", "name", "updated_at")
    raw_id_fields = ("community",)
    readonly_fields = ("updated_at", "updated_by")

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request), "community__code")


@admin.register(Item)
class ItemAdmin(ReadOnlyScopedAdmin):
    """Read-only: items change through their actions (consultations.services), never by hand."""

    scope_field = "community__code"

    list_display = ("title", "community", "status", "stage", "proposed_at")
    list_filter = ("status",)
    search_fields = ("title", "community__code", "community__name")
    # the proposer's contact is shown by the item's page where personal data may be; the private
    # link's digest and the retry's marks are nobody's business
    exclude = ("proposer_name", "proposer_phone", "client_id", "fingerprint", "secret_digest", "device")
