"""Areas: district → street → community → grid, one table, one hierarchy, every generation.

A code is the area's path (design.md): district 6 digits, then 3 more per level, so everything
inside an area has a code that starts with that area's code and scope filters are prefix matches.

An area is valid from `valid_from` (NULL: as first drawn) until the day before `valid_to` (NULL: it
is current). A re-division (grids.generations) retires areas by setting their `valid_to` and adds
new ones under codes never used before, so a code names one boundary for all time: a case keeps the
grid it was reported in, and `as_of` a past day the areas of that day come back as they were.
`Area.objects` holds the current areas (what today's pages, lookups and rules read); `Area.every`
holds every generation, with `as_of(day)`.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from govgrid.lib.prepared import Prepared


class Level(models.TextChoices):
    DISTRICT = "district", _("district")
    STREET = "street", _("street")
    COMMUNITY = "community", _("community")
    GRID = "grid", _("grid")


# Code length for each level, and the level for each code length.
CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class GridKind(models.TextChoices):
    BASIC = "basic", _("basic grid")
    COMMERCIAL_BUILDING = "commercial_building", _("dedicated: commercial building")
    MARKET = "market", _("dedicated: market")
    PARK = "park", _("dedicated: park")
    SCHOOL = "school", _("dedicated: school")
    INDUSTRIAL_PARK = "industrial_park", _("dedicated: industrial park")
    OTHER = "other", _("dedicated: other")


def level_for_code(code):
    """The level a code belongs to, or None when the code is not a well-formed area code."""
    if not code or not code.isdigit():
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def under_codes(codes, field="code"):
    """The condition for rows whose `field` starts with any of the codes (none matches no row): the
    rule "everything inside an area has a code that starts with the area's code" as a Q. Its SQL
    rendering is under_codes_sql; scopes (grids.scopes) are made of both."""
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(**{f"{field}__startswith": code})
    return condition


def under_codes_sql(column, codes, name="under", fixed=False):
    """under_codes in SQL, for hand-written statements: the rows whose `column` (SQL naming a column
    of area codes) starts with one of `codes`, as (text, params) in psycopg's named style.

    One LIKE per code, each its own parameter ({name}_0, {name}_1, ...), and FALSE for no code.
    govgrid's statements reach PostgreSQL with their values written in (client-side binding), so
    the planner reads each prefix and the code's pattern index (varchar_pattern_ops) serves it.

    `fixed`: one text whatever the codes, `column LIKE ANY(%(name)s::text[])` with the patterns in
    one array parameter, for statements prepared once (govgrid.lib.prepared), whose text cannot
    depend on them; build the text once and the parameters per call. The pattern index cannot serve
    LIKE ANY: use it where another condition finds the rows (a point, a category and a box)."""
    patterns = [code + "%" for code in codes]
    if fixed:
        return f"{column} LIKE ANY(%({name})s::text[])", {name: patterns}
    if not patterns:
        return "FALSE", {}
    params = {f"{name}_{i}": pattern for i, pattern in enumerate(patterns)}
    return "(" + " OR ".join(f"{column} LIKE %({key})s" for key in params) + ")", params


# Street-level codes follow the national rule for divisions below a county: 001–099 streets (街道),
# 100–199 towns (镇), 200–399 townships (乡).
TOWN_CODE_REGEX = r"^[0-9]{6}[1-9][0-9]{2}$"


def is_town_code(code):
    return len(code) == CODE_LENGTH[Level.STREET] and code[6] != "0"


def parent_code(code):
    return code[:-3] if len(code) > CODE_LENGTH[Level.DISTRICT] else None


def valid_on(day, through=""):
    """The condition for areas valid on `day` (their generation's period holds it); `through` reaches
    them from another model, e.g. "grid__". Its SQL rendering is valid_on_sql."""
    return (Q(**{f"{through}valid_from__isnull": True}) | Q(**{f"{through}valid_from__lte": day})) & (
        Q(**{f"{through}valid_to__isnull": True}) | Q(**{f"{through}valid_to__gt": day})
    )


def valid_on_sql(alias, day=None):
    """valid_on in SQL for the areas aliased `alias` on the day the SQL `day` gives (a parameter such
    as "%(as_of)s"); with no day, the current areas (`alias`.valid_to IS NULL), which the partial
    index of current grids serves."""
    if day is None:
        return f"{alias}.valid_to IS NULL"
    return (
        f"(({alias}.valid_from IS NULL OR {alias}.valid_from <= {day})"
        f" AND ({alias}.valid_to IS NULL OR {alias}.valid_to > {day}))"
    )


def placed_sql(grid_alias, point, day=None, name="placed"):
    """A LATERAL join, for hand-written statements, that places a row whose grid (`grid_alias`) is
    not valid on `day` (current when None) in the grid of that day covering its `point` (SQL): the
    joined `name`.id and `name`.code, NULL when its own grid is valid then. How a case of a retired
    grid is counted in the grids of another day (figures as_of, the density map)."""
    return f"""
    LEFT JOIN LATERAL (
        SELECT x.id, x.code FROM grids_area x
        WHERE NOT {valid_on_sql(grid_alias, day)} AND x.level = 'grid' AND {valid_on_sql("x", day)}
          AND ST_Covers(x.geom, {point})
        ORDER BY x.code LIMIT 1
    ) {name} ON TRUE"""


class PointLookupSQL:
    """The point lookups of AreaQuerySet as SQL text, for statements that make them inside a larger
    one (intake's single statement, the duplicate search) and for the prepared lookup itself:
    written once here, reached as `Area.objects.sql`.

    - `point`: a WGS84 point from the parameters %(lon)s and %(lat)s;
    - `grid_covers_point`: the condition on grids `g` covering it (the grids' own partial index
      serves the level and the box);
    - `grid_with_chain`: the grid covering it with its community, street and district (ids, codes
      and names, no boundaries), `prefer`red prefixes first, then the lower code; its parameters
      come from `grid_with_chain_params` and its row is read by `grid_from_row`;
    - `areas_above`: the codes and names of the areas above the grid `g`, from the district down
      (each one's code is a prefix of the grid's), in one index scan; `chain_names` reads them.
    """

    CHAIN_COLUMNS = "g.id, g.code, g.name, g.kind, c.id, c.code, c.name, s.id, s.code, s.name, d.id, d.code, d.name"
    CHAIN_JOINS = """
        JOIN grids_area c ON c.id = g.parent_id
        JOIN grids_area s ON s.id = c.parent_id
        JOIN grids_area d ON d.id = s.parent_id
    """
    LEVELS_ABOVE_GRID = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)

    point = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
    grid_covers_point = f"g.level = 'grid' AND {valid_on_sql('g')} AND ST_Covers(g.geom, {point})"
    grid_with_chain = f"""
        SELECT {CHAIN_COLUMNS}
        FROM grids_area g {CHAIN_JOINS}
        WHERE {grid_covers_point}
        ORDER BY {under_codes_sql("g.code", (), "prefer", fixed=True)[0]} DESC, g.code
        LIMIT 1
    """
    areas_above = f"""
        SELECT array_agg(a.code ORDER BY length(a.code)) AS codes, array_agg(a.name ORDER BY length(a.code)) AS names
        FROM grids_area a
        WHERE a.code IN ({", ".join(f"left(g.code, {CODE_LENGTH[level]})" for level in LEVELS_ABOVE_GRID)})
    """

    @staticmethod
    def grid_with_chain_params(point, prefer=()):
        return {"lon": point.x, "lat": point.y} | under_codes_sql("g.code", prefer, "prefer", fixed=True)[1]

    @staticmethod
    def grid_from_row(row):
        """The grid of a row of `grid_with_chain` with its parents attached, or None for a row of NULLs."""
        if row[0] is None:
            return None
        district = Area(id=row[10], code=row[11], name=row[12], level=Level.DISTRICT, parent=None)
        street = Area(id=row[7], code=row[8], name=row[9], level=Level.STREET, parent=district)
        community = Area(id=row[4], code=row[5], name=row[6], level=Level.COMMUNITY, parent=street)
        return Area(id=row[0], code=row[1], name=row[2], kind=row[3], level=Level.GRID, parent=community)

    @staticmethod
    def chain_names(grid_code, grid_name, codes_above, names_above):
        """{level: {"code", "name"}} of a grid and the areas above it found by `areas_above` (a level
        with no area is left out, as an answer's missing level shows null)."""
        chain = {Level.GRID: {"code": grid_code, "name": grid_name}}
        for code, name in zip(codes_above or (), names_above or (), strict=True):
            chain[LEVEL_BY_LENGTH[len(code)]] = {"code": code, "name": name}
        return chain


GRID_WITH_CHAIN_AT = Prepared("govgrid_grid_with_chain_at", PointLookupSQL.grid_with_chain)


class AreaQuerySet(models.QuerySet):
    def as_of(self, day):
        """The areas valid on `day` (a date); None leaves the queryset as it is."""
        return self if day is None else self.filter(valid_on(day))

    def within(self, code):
        """The area with this code and everything inside it."""
        return self.filter(code__startswith=code)

    def grids(self):
        return self.filter(level=Level.GRID)

    def grid_at(self, point):
        """The grid that covers a WGS84 point, or None.

        `covers` (not `contains`) so a point on a border still matches; a point on the shared edge
        of two grids is covered by both, and ordering by code makes the answer always the lower code.
        """
        return self.grids().filter(geom__covers=point).order_by("code").first()

    def with_chain(self):
        """Areas with their parents up to the district joined in, without any boundary: enough for
        codes and names, and far cheaper than loading four polygons."""
        return self.select_related("parent__parent__parent").defer(
            "geom", "parent__geom", "parent__parent__geom", "parent__parent__parent__geom"
        )

    def grid_with_chain_at(self, point, prefer=()):
        """The grid covering a WGS84 point with its community, street and district attached as
        parents (codes and names only, no boundaries), or None: one statement, no ORM joins, so
        it is the intake's lookup. It searches the whole table (filters on the queryset do not apply).

        Among grids that share the point (an edge), one whose code starts with a `prefer` prefix
        wins (the reporter's own grid), then the lower code, as in `grid_at`."""
        with connection.cursor() as cursor:
            GRID_WITH_CHAIN_AT.execute(cursor, PointLookupSQL.grid_with_chain_params(point, prefer))
            row = cursor.fetchone()
        return None if row is None else PointLookupSQL.grid_from_row(row)

    def chain_at(self, point):
        """[grid, community, street, district] for the grid covering the point, or [] outside."""
        grid = self.select_related("parent__parent__parent").grid_at(point)
        return grid.chain() if grid else []

    def towns(self):
        """Street-level areas whose code is 100 or above: towns and townships (镇、乡)."""
        return self.filter(level=Level.STREET, code__regex=TOWN_CODE_REGEX)

    def urban_streets(self):
        return self.filter(level=Level.STREET).exclude(code__regex=TOWN_CODE_REGEX)

    def delete_subtree(self, code):
        """Delete an area and everything inside it, in every generation, with the generations of a
        district deleted; children first (parents are PROTECTed)."""
        from .generations import Generation

        Generation.objects.filter(district__code__startswith=code).delete()
        every = self.model.every.all()
        for length in sorted(CODE_LENGTH.values(), reverse=True):
            every.within(code).filter(code__regex=rf"^[0-9]{{{length}}}$").delete()

    def nearest_grid(self, point):
        """The grid nearest to a point, with `distance_m` (metres, geodesic), or None.

        The KNN operator `<->` takes the nearest few through the GiST index (planar distance in
        degrees); the geodesic distance then decides among them.
        """
        xy = (point.x, point.y)
        table = self.model._meta.db_table
        knn = RawSQL(f"{table}.geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326)", xy)
        candidates = list(self.grids().order_by(knn).values_list("id", flat=True)[:8])
        geodesic = RawSQL(
            f"ST_Distance({table}.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)", xy
        )
        return self.filter(id__in=candidates).annotate(distance_m=geodesic).order_by("distance_m", "code").first()


class EveryAreaManager(models.Manager.from_queryset(AreaQuerySet)):
    """The areas of every generation: `Area.every.as_of(day)`, a retired grid by its code."""

    sql = PointLookupSQL  # the point lookups as SQL text for hand-written statements


class AreaManager(EveryAreaManager):
    """The current areas: those no generation has retired."""

    def get_queryset(self):
        return super().get_queryset().filter(valid_to__isnull=True)


class Area(models.Model):
    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    geom = models.MultiPolygonField(_("boundary"), srid=4326, spatial_index=True)
    # Grids only.
    kind = models.CharField(_("grid kind"), max_length=24, choices=GridKind.choices, blank=True)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Its area on the ellipsoid in km², kept by PostgreSQL as the boundary changes (the spheroid's
    # area costs about 10 µs a polygon: 0.2–0.5 s for a district of 50,000 grids on every density
    # map). The one definition for every reader (the density map's rate per km², the exports).
    area_km2 = models.GeneratedField(
        expression=RawSQL("ST_Area(geom::geography) / 1e6", []),
        output_field=models.FloatField(),
        db_persist=True,
        verbose_name=_("area (km²)"),
    )
    # A point inside it (ST_PointOnSurface), kept as the boundary changes: where the density map's
    # heat gathers a grid's cases in a wide view (maps.queries.density; worked out per request, 0.05 s
    # of a district of 50,000 grids).
    inner_point = models.GeneratedField(
        expression=RawSQL("ST_PointOnSurface(geom)", []),
        output_field=models.PointField(srid=4326),
        db_persist=True,
        verbose_name=_("a point inside"),
    )
    # The period of the generation(s) it belongs to: from `valid_from` (NULL: as first drawn) until
    # the day before `valid_to` (NULL: current). Set by grids.generations only.
    valid_from = models.DateField(_("valid from"), null=True, blank=True, editable=False)
    valid_to = models.DateField(_("valid until"), null=True, blank=True, editable=False)

    objects = AreaManager()
    every = EveryAreaManager()

    class Meta:
        ordering = ["code"]
        # A case's grid, a link's grid, a parent: reached across generations.
        base_manager_name = "every"
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [
            # Finding the grid at a point (a report, a lookup) asks only among grids: this index holds
            # only them, so the search does not also fetch the district, street and community whose
            # boxes hold every point of theirs.
            # (Written as an expression: for a geometry field named in `fields`, PostGIS's schema
            # editor makes its own spatial index and would leave the condition out.)
            # Only the current grids: a lookup of a past day (as_of) reads the spatial index of every area.
            GistIndex(
                models.F("geom"), name="current_grids_geom", condition=models.Q(level="grid", valid_to__isnull=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="area_code_matches_level",
                condition=models.Q(code__regex=r"^[0-9]+$")
                & (
                    models.Q(level="district", code__regex=r"^[0-9]{6}$")
                    | models.Q(level="street", code__regex=r"^[0-9]{9}$")
                    | models.Q(level="community", code__regex=r"^[0-9]{12}$")
                    | models.Q(level="grid", code__regex=r"^[0-9]{15}$")
                ),
            ),
            models.CheckConstraint(
                name="area_valid_to_after_valid_from",
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
            ),
            models.CheckConstraint(
                name="area_kind_only_for_grids",
                condition=models.Q(level="grid", kind__in=GridKind.values)
                | (~models.Q(level="grid") & models.Q(kind="")),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def chain(self):
        """This area and its ancestors, from this one up to the district."""
        chain, area = [], self
        while area is not None:
            chain.append(area)
            area = area.parent
        return chain

    def clean(self):
        errors = {}
        expected = level_for_code(self.code)
        if expected is None:
            errors["code"] = _("A code is 6, 9, 12 or 15 digits.")
        elif expected != self.level:
            errors["level"] = _("A code of %(n)d digits belongs to level %(level)s.") % {
                "n": len(self.code),
                "level": Level(expected).label,
            }
        want_parent = parent_code(self.code or "")
        if not want_parent and self.parent_id:
            errors["parent"] = _("A district has no parent.")
        if want_parent and (self.parent is None or self.parent.code != want_parent):
            errors["parent"] = _("The parent of %(code)s must be the area with code %(parent)s.") % {
                "code": self.code,
                "parent": want_parent,
            }
        if self.level == Level.GRID and not self.kind:
            errors["kind"] = _("A grid needs a kind.")
        if self.level != Level.GRID and self.kind:
            errors["kind"] = _("Only grids have a kind.")
        if self.geom is not None and not self.geom.valid:
            from ..validation import explain_invalid  # the topology checks read this module

            errors["geom"] = _("The boundary is not a valid geometry: %(reason)s") % {
                "reason": explain_invalid(self.geom.valid_reason)
            }
        if errors:
            raise ValidationError(errors)
