"""多网融合: the cells of another network (Party building, comprehensive governance, urban
management, public services…) kept as a layer of their own beside the one grid, and, per cell, the
unified grid an administrator accepted for it (or "split by shares"), which `networks.mapping.place`
reads so that cases and figures coming from that network land in the unified grids."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class NetworkKind(models.TextChoices):
    PARTY_BUILDING = "party_building", _("Party building network (党建网格)")
    COMPREHENSIVE_GOVERNANCE = "comprehensive_governance", _("Comprehensive governance network (综治网格)")
    URBAN_MANAGEMENT = "urban_management", _("Urban management network (城管网格)")
    PUBLIC_SERVICES = "public_services", _("Public services network (公共服务)")
    OTHER = "other", _("Other network")


class NetworkLayer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("network kind"), max_length=32, choices=NetworkKind.choices)
    # Its cells are compared with this district's grids only.
    district = models.ForeignKey(
        "grids.Area", verbose_name=_("district"), on_delete=models.CASCADE, related_name="network_layers"
    )
    source_name = models.CharField(_("source file"), max_length=255)
    srs = models.CharField(_("coordinate system as read"), max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    imported_at = models.DateTimeField(_("imported at"))
    cell_count = models.PositiveIntegerField(_("cells"))

    class Meta:
        ordering = ["district__code", "name", "pk"]
        verbose_name = _("network layer")
        verbose_name_plural = _("network layers")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class NetworkCell(models.Model):
    layer = models.ForeignKey(NetworkLayer, verbose_name=_("layer"), on_delete=models.CASCADE, related_name="cells")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    geom = models.MultiPolygonField(_("boundary"), srid=4326, spatial_index=True)
    # The file's other fields, as read (so nothing the other network keeps is lost).
    properties = models.JSONField(_("other properties"), default=dict, blank=True)

    class Meta:
        ordering = ["layer", "code"]
        verbose_name = _("network cell")
        verbose_name_plural = _("network cells")
        constraints = [models.UniqueConstraint(fields=["layer", "code"], name="network_cell_code_unique_in_layer")]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class CellMapping(models.Model):
    """The accepted place of one cell: a unified grid, or split over the grids by its area shares."""

    cell = models.OneToOneField(NetworkCell, verbose_name=_("cell"), on_delete=models.CASCADE, related_name="mapping")
    grid = models.ForeignKey(
        # a grid is deleted only with its whole district (a re-division retires it: networks.regrid)
        "grids.Area",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    split = models.BooleanField(_("split by shares"), default=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("cell mapping")
        verbose_name_plural = _("cell mappings")
        constraints = [
            models.CheckConstraint(
                name="cell_mapping_grid_or_split",
                condition=models.Q(split=True, grid__isnull=True) | models.Q(split=False, grid__isnull=False),
            )
        ]
