"""Re-dividing a district's grids without losing the work: a draft generation, its edits (split,
merge, carve a piece out or move a shared border, replace a community's grids), its check, the dry
run and the activation.

A draft never touches the areas: it holds the grids it adds (DraftGrid, each under a code never
used in its community) and the current grids it retires. Each edit replaces some grids of one
community, as the draft leaves them, by others, and divides the households and population of the
grids it replaces among the new ones by the share of each old grid's ground they take.

Activating it, in one transaction under the boundaries' lock: the new grids are written as areas
valid from its day and the retired ones end on that day; the topology of each changed community is
checked as it now stands (a problem refuses the whole activation); the old→new table (Succession)
is written from the boundaries; and each app moves the work attached to the retired grids through
the movers registered here (grids' own first: assignments, Party groups, household links, stations;
then the cases, the residents' reports and QR codes, the service requests). A dry run is the same
activation rolled back: it lists every move and conflict exactly as the activation would make them.
"""

from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiLineString, MultiPolygon, Polygon
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError, NotFound, Unprocessable

from .models import Area, GridKind, Level
from .models.areas import CODE_LENGTH
from .models.generations import DraftGrid, Generation, Succession
from .validation import NOISE_DEGREES2, as_multipolygon, explain_invalid, lock_boundaries, validate_area

LAST_SUFFIX = 999  # a grid's code is its community's and three digits, 001 to 999


# --- the grids of a community as a draft leaves them ------------------------------------------------


@dataclass
class Shape:
    """A grid of a community in a draft's view: a current grid it keeps, or one of its own."""

    code: str
    name: str
    kind: str
    households: int | None
    population: int | None
    geom: object
    area_id: int | None = None  # a current grid
    draft_id: int | None = None  # a grid of the draft


def community_view(generation, community):
    """The grids of `community` as the draft leaves them, by code."""
    retired = set(generation.retires.values_list("id", flat=True))
    shapes = [
        Shape(a.code, a.name, a.kind, a.households, a.population, a.geom, area_id=a.id)
        for a in Area.objects.filter(parent=community, level=Level.GRID).exclude(id__in=retired)
    ]
    shapes += [
        Shape(d.code, d.name, d.kind, d.households, d.population, d.geom, draft_id=d.id)
        for d in generation.grids.filter(community=community)
    ]
    return {shape.code: shape for shape in sorted(shapes, key=lambda s: s.code)}


def locked_draft(generation_id, version):
    """The draft, locked for the change, at the version the caller read."""
    generation = Generation.objects.select_for_update().filter(pk=generation_id).first()
    if generation is None:
        raise NotFound(_("No generation has the id %(id)s.") % {"id": generation_id}, field="generation")
    if generation.status != Generation.Status.DRAFT:
        raise Conflict(
            _("Generation %(number)d is %(status)s: only a draft can be changed.")
            % {"number": generation.number, "status": generation.get_status_display()},
            field="generation",
            code="wrong_status",
        )
    if version is not None and version != generation.version:
        raise Conflict(
            _("The draft has changed since it was read (version %(read)s, now %(now)s): read it again.")
            % {"read": version, "now": generation.version},
            field="version",
            code="stale_version",
            version=generation.version,
        )
    return generation


def _community_of(generation, code, field_name):
    """The current community a grid code (current or of the draft) belongs to, in the draft's district."""
    community = Area.objects.filter(code=code[: CODE_LENGTH[Level.COMMUNITY]], level=Level.COMMUNITY).first()
    if len(code) != CODE_LENGTH[Level.GRID] or community is None or not code.startswith(generation.district.code):
        raise NotFound(_("No grid of this district has the code %(code)s.") % {"code": code}, field=field_name)
    return community


def draft_community(generation, code):
    """A current community of the draft's district by its code, else 404 naming `community`."""
    community = Area.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None or not code.startswith(generation.district.code):
        raise NotFound(_("No community of this district has the code %(code)s.") % {"code": code}, field="community")
    return community


def _shape(view, code, field_name):
    shape = view.get(code)
    if shape is None:
        raise NotFound(
            _("No grid has the code %(code)s in the draft: it was retired or never existed.") % {"code": code},
            field=field_name,
        )
    return shape


def new_codes(generation, community, n):
    """`n` codes for new grids of `community`: after the highest ever used there (in any generation
    or in the draft), so a code never names two boundaries; the gaps below once the 999th is used."""
    prefix = community.code
    used = set(Area.every.filter(code__startswith=prefix, level=Level.GRID).values_list("code", flat=True))
    used |= set(generation.grids.filter(community=community).values_list("code", flat=True))
    suffixes = {int(code[-3:]) for code in used}
    highest = max(suffixes, default=0)
    free = list(range(highest + 1, LAST_SUFFIX + 1)) + [s for s in range(1, highest) if s not in suffixes]
    if len(free) < n:
        raise Conflict(
            _("Community %(code)s has no grid code left (001 to 999).") % {"code": prefix},
            field="community",
            code="no_code_left",
        )
    return [f"{prefix}{s:03d}" for s in free[:n]]


def default_name(community, code):
    """A new grid's name when none is given, in the deployment's language (a name is data)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(community)s grid %(number)d") % {"community": community.name, "number": int(code[-3:])}


def _divided(total_of, sources, targets):
    """Each target's share of the sources' figure (households or population): each source's figure
    divided among the targets by the share of its ground each takes, in whole units that add up to it
    (largest remainder). None when no source has the figure."""
    known = [s for s in sources if total_of(s) is not None]
    if not known:
        return [None] * len(targets)
    result = [0] * len(targets)
    for source in known:
        total, ground = total_of(source), source.geom.area
        if ground <= 0:
            continue
        weights = [source.geom.intersection(target).area / ground for target in targets]
        weight = sum(weights) or 1.0
        exact = [total * w / weight for w in weights]
        whole = [int(x) for x in exact]
        left = total - sum(whole)
        for i in sorted(range(len(targets)), key=lambda i: exact[i] - whole[i], reverse=True)[:left]:
            whole[i] += 1
        result = [r + w for r, w in zip(result, whole, strict=True)]
    return result


@dataclass
class NewGrid:
    geom: object
    name: str = ""
    kind: str = GridKind.BASIC
    code: str = ""  # the code of an unchanged shape to keep, else a new one


def _replace(generation, community, sources, targets, how):
    """Replace the draft's `sources` (Shapes of one community) by `targets` (NewGrids): the current
    ones among the sources are retired, the draft's own are dropped, and the targets are written as
    grids of the draft with new codes and the sources' households and population divided among them."""
    geoms = [as_multipolygon(t.geom) for t in targets]
    for target, geom in zip(targets, geoms, strict=True):
        if geom.empty or geom.area <= NOISE_DEGREES2:
            raise Unprocessable(_("A new grid would have no ground."), field="geometry")
        if not geom.valid:
            raise Unprocessable(
                _("A new grid's boundary would not be valid: %(reason)s")
                % {"reason": explain_invalid(geom.valid_reason)},
                field="geometry",
            )
        target.geom = geom
    households = _divided(lambda s: s.households, sources, geoms)
    population = _divided(lambda s: s.population, sources, geoms)
    codes = new_codes(generation, community, len(targets))
    generation.retires.add(*[s.area_id for s in sources if s.area_id])
    DraftGrid.objects.filter(id__in=[s.draft_id for s in sources if s.draft_id]).delete()
    made = DraftGrid.objects.bulk_create(
        DraftGrid(
            generation=generation,
            community=community,
            code=code,
            name=target.name or default_name(community, code),
            kind=target.kind or GridKind.BASIC,
            households=h,
            population=p,
            geom=target.geom,
            how=how,
        )
        for code, target, h, p in zip(codes, targets, households, population, strict=True)
    )
    generation.version += 1
    generation.save(update_fields=["version"])
    return made


# --- the edits ----------------------------------------------------------------------------------


def start_draft(district_code, user=None, name=""):
    """The district's draft generation: the open one, or a new one numbered after the last (the
    first generation, the areas as first drawn, is recorded then if it was not yet)."""
    district = Area.objects.filter(code=district_code, level=Level.DISTRICT).first()
    if district is None:
        raise NotFound(_("No district has the code %(code)s.") % {"code": district_code}, field="district")
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=district.pk).first()  # one draft per district at a time
        draft = Generation.objects.filter(district=district, status=Generation.Status.DRAFT).first()
        if draft is not None:
            return draft
        if not Generation.objects.filter(district=district).exists():
            Generation.objects.create(
                district=district, number=1, name=_("as first drawn"), status=Generation.Status.ACTIVE
            )
        number = Generation.objects.filter(district=district).aggregate(n=Max("number"))["n"] + 1
        return Generation.objects.create(district=district, number=number, name=name, created_by=user)


def _line(geom, field_name="line"):
    if not isinstance(geom, LineString | MultiLineString):
        raise GovgridError(_("Draw a line (a LineString)."), field=field_name)
    return _in_wgs84(geom)


def _in_wgs84(geom):
    """A drawn geometry in WGS84: as given when it says no system (GeoJSON's own)."""
    if geom.srid is None:
        geom = geom.clone()
        geom.srid = 4326
    elif geom.srid != 4326:
        geom = geom.transform(4326, clone=True)
    return geom


def split(generation_id, grid_code, line, names=(), version=None):
    """Split a grid of the draft along a drawn line (it must cross the grid from border to border)."""
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        community = _community_of(generation, grid_code, "grid")
        shape = _shape(community_view(generation, community), grid_code, "grid")
        line = _line(line)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_AsEWKB((ST_Dump(ST_CollectionExtract(ST_Split(%s::geometry, %s::geometry), 3))).geom)",
                [shape.geom.ewkb, line.ewkb],
            )
            pieces = [GEOSGeometry(memoryview(row[0])) for row in cursor.fetchall()]
        pieces = [p for p in pieces if p.area > NOISE_DEGREES2]
        if len(pieces) < 2:
            raise Unprocessable(
                _("The line does not cut grid %(code)s in two: draw it across the grid, from border to border.")
                % {"code": grid_code},
                field="line",
            )
        pieces.sort(key=lambda p: -p.area)
        targets = [
            NewGrid(p, (list(names) + [""] * len(pieces))[i], shape.kind if i == 0 else GridKind.BASIC)
            for i, p in enumerate(pieces)
        ]
        return _replace(generation, community, [shape], targets, "split")


def merge(generation_id, codes, name="", kind="", version=None):
    """Merge adjacent grids of one community into one."""
    codes = list(dict.fromkeys(codes))
    if len(codes) < 2:
        raise GovgridError(_("Name two grids or more to merge."), field="grids")
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        community = _community_of(generation, codes[0], "grids")
        if any(not code.startswith(community.code) for code in codes):
            raise Unprocessable(_("Only grids of one community can be merged."), field="grids")
        view = community_view(generation, community)
        shapes = [_shape(view, code, "grids") for code in codes]
        union = shapes[0].geom
        for shape in shapes[1:]:
            union = union.union(shape.geom)
        merged = as_multipolygon(union)
        if len(merged) != 1:
            raise Unprocessable(
                _("The grids %(codes)s do not make one piece: only adjacent grids can be merged.")
                % {"codes": "、".join(codes)},
                field="grids",
            )
        if kind and kind not in GridKind.values:
            raise GovgridError(_("Unknown grid kind %(kind)s.") % {"kind": kind}, field="kind")
        largest = max(shapes, key=lambda s: s.geom.area)
        return _replace(generation, community, shapes, [NewGrid(merged, name, kind or largest.kind)], "merge")


def carve(generation_id, polygon, community_code, into="", name="", kind=GridKind.BASIC, version=None):
    """Give the ground of `polygon` (within the community) to the grid `into`, moving its shared
    borders, or make it a new grid of `kind` (a dedicated grid: a market, a park...). Every grid it
    takes ground from is replaced, and so is `into`."""
    if not isinstance(polygon, Polygon | MultiPolygon):
        raise GovgridError(_("Draw an area (a Polygon)."), field="polygon")
    polygon = _in_wgs84(polygon)
    if kind not in GridKind.values:
        raise GovgridError(_("Unknown grid kind %(kind)s.") % {"kind": kind}, field="kind")
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        community = draft_community(generation, community_code)
        piece = as_multipolygon(polygon.intersection(community.geom))
        if piece.empty or piece.area <= NOISE_DEGREES2:
            raise Unprocessable(_("The area drawn lies outside the community."), field="polygon")
        view = community_view(generation, community)
        receiver = _shape(view, into, "into") if into else None
        touched = [s for s in view.values() if s is not receiver and s.geom.intersection(piece).area > NOISE_DEGREES2]
        if not touched:
            raise Unprocessable(_("The area drawn takes no ground from another grid."), field="polygon")
        targets = []
        for shape in touched:
            rest = as_multipolygon(shape.geom.difference(piece))
            if not rest.empty:
                targets.append(NewGrid(rest, shape.name, shape.kind))
        if receiver is not None:
            grown = as_multipolygon(receiver.geom.union(piece))
            if len(grown) != len(as_multipolygon(receiver.geom)):
                raise Unprocessable(
                    _("The area drawn does not touch grid %(code)s: a border can only move between neighbours.")
                    % {"code": into},
                    field="polygon",
                )
            targets.insert(0, NewGrid(grown, receiver.name, receiver.kind))
            sources = [receiver, *touched]
        else:
            targets.insert(0, NewGrid(piece, name, kind))
            sources = touched
        return _replace(generation, community, sources, targets, "border" if receiver else "carve")


def replace_community(generation_id, community_code, grids, how="wizard", keep=(), version=None):
    """Replace the grids of a community in the draft, but those whose codes `keep` names (dedicated
    grids kept whole), by `grids` (NewGrids): a whole re-division, such as the wizard proposes."""
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        community = draft_community(generation, community_code)
        sources = [s for code, s in community_view(generation, community).items() if code not in keep]
        return _replace(generation, community, sources, list(grids), how)


def undo_community(generation_id, community_code, version=None):
    """Drop the draft's changes to one community: its own grids there, and the retirements."""
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        generation.grids.filter(community__code=community_code).delete()
        generation.retires.remove(*generation.retires.filter(code__startswith=community_code))
        generation.version += 1
        generation.save(update_fields=["version"])
        return generation


def set_choice(generation_id, old_code, new_code, version=None):
    """Where the work of a retired grid goes (its people, Party group, station) when not to the new
    grid holding most of its ground; an empty `new_code` drops the choice."""
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        if not generation.retires.filter(code=old_code).exists():
            raise GovgridError(_("Grid %(code)s is not retired by this draft.") % {"code": old_code}, field="old")
        choices = dict(generation.choices)
        if new_code:
            if not generation.grids.filter(code=new_code, community__code=old_code[:12]).exists():
                raise GovgridError(
                    _("Grid %(code)s is not a new grid of the same community.") % {"code": new_code}, field="new"
                )
            choices[old_code] = new_code
        else:
            choices.pop(old_code, None)
        generation.choices = choices
        generation.version += 1
        generation.save(update_fields=["choices", "version"])
        return generation


def discard(generation_id, version=None):
    with transaction.atomic():
        generation = locked_draft(generation_id, version)
        generation.status = Generation.Status.DISCARDED
        generation.version += 1
        generation.save(update_fields=["status", "version"])
        return generation


# --- the activation -----------------------------------------------------------------------------


@dataclass
class Move:
    kind: str  # assignment | party_group | household_link | station | case | resident_report | qr_code | ...
    what: str  # for people: who or what moves
    old: str  # the retired grid's code
    new: str  # where it goes
    id: int | None = None


@dataclass
class Plan:
    """What an activation moves and the conflicts it leaves for the administrator."""

    generation: int
    on: str
    added: list = field(default_factory=list)  # codes
    retired: list = field(default_factory=list)  # codes
    successions: list = field(default_factory=list)  # {old, new, share, area_m2}
    moves: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # {kind, grid, message}
    problems: list = field(default_factory=list)  # topology problems (none once activated)

    def move(self, kind, what, old, new, id=None):
        self.moves.append(Move(kind, str(what), old, new, id))

    def conflict(self, kind, grid, message):
        self.conflicts.append({"kind": kind, "grid": grid, "message": str(message)})

    def as_dict(self):
        body = asdict(self)
        body["counts"] = {}
        for move in self.moves:
            body["counts"][move.kind] = body["counts"].get(move.kind, 0) + 1
        return body


@dataclass
class Change:
    """What the movers read: the generation, its day, who activates it, the retired grids and the
    new ones (now areas), and where the work of each retired grid goes."""

    generation: Generation
    on: object  # the date the new grids are valid from
    at: object  # the moment of the activation
    user: object
    retired: dict  # id → Area
    added: dict  # id → Area
    successors: dict  # old id → [(new Area, share)], largest share first

    def target_of(self, old_id):
        """The new grid the work of a retired grid goes to: the administrator's choice, else the one
        holding most of its ground."""
        old = self.retired[old_id]
        chosen = self.generation.choices.get(old.code)
        if chosen:
            for area in self.added.values():
                if area.code == chosen:
                    return area
        return self.successors[old_id][0][0]

    def grid_at(self, point, old_id):
        """The new grid covering a point, else the target of its old grid (a point on no new grid
        can only be a point that was outside its old one)."""
        if point is not None:
            grid = Area.objects.filter(id__in=self.successor_ids(old_id), geom__covers=point).order_by("code").first()
            if grid is not None:
                return grid
        return self.target_of(old_id)

    def successor_ids(self, old_id):
        return [area.id for area, _share in self.successors[old_id]]


MOVERS = []  # (name, function(change, plan)), in the order they run


def register_mover(name, function):
    """Apps above grids register what they move when grids are retired (from their AppConfig.ready)."""
    if name not in [n for n, _f in MOVERS]:
        MOVERS.append((name, function))


def _apply(generation, on):
    """Write the draft: its grids as areas valid from `on`, its retired grids ending on `on`.
    Returns (added {id: Area}, retired {id: Area}, the changed communities' codes)."""
    drafts = list(generation.grids.select_related("community"))
    retired = {a.id: a for a in Area.objects.filter(id__in=generation.retires.values("id"))}
    Area.objects.filter(id__in=retired).update(valid_to=on)
    created = Area.objects.bulk_create(
        Area(
            code=d.code,
            name=d.name,
            level=Level.GRID,
            parent=d.community,
            geom=d.geom,
            kind=d.kind,
            households=d.households,
            population=d.population,
            valid_from=on,
        )
        for d in drafts
    )
    communities = sorted({d.community.code for d in drafts} | {a.code[:12] for a in retired.values()})
    for area in retired.values():
        area.valid_to = on
    return {a.id: a for a in created}, retired, communities


_SUCCESSIONS_SQL = """
    INSERT INTO grids_succession (generation_id, old_id, new_id, share, area_m2)
    SELECT %(generation)s, o.id, n.id,
           ST_Area(ST_Intersection(o.geom, n.geom)) / ST_Area(o.geom),
           ST_Area(ST_Intersection(o.geom, n.geom)::geography)
    FROM grids_area o JOIN grids_area n ON o.geom && n.geom AND ST_Relate(o.geom, n.geom, '2********')
    WHERE o.id = ANY(%(retired)s) AND n.id = ANY(%(added)s)
      AND ST_Area(ST_Intersection(o.geom, n.geom)::geography) >= %(tolerance)s
    RETURNING old_id, new_id, share, area_m2
"""


def _successions(generation, added, retired, tolerance_m2):
    with connection.cursor() as cursor:
        cursor.execute(
            _SUCCESSIONS_SQL,
            {"generation": generation.id, "retired": list(retired), "added": list(added), "tolerance": tolerance_m2},
        )
        rows = cursor.fetchall()
    successors = {old_id: [] for old_id in retired}
    for old_id, new_id, share, _m2 in rows:
        successors[old_id].append((added[new_id], share))
    for old_id in successors:
        successors[old_id].sort(key=lambda pair: (-pair[1], pair[0].code))
    return successors, rows


def activate(generation_id, user=None, version=None, on=None, dry_run=False):
    """Put the draft in force from `on` (today by default), moving the work; or, with `dry_run`,
    find every move and conflict the activation would make and write nothing. Returns the Plan;
    a topology problem in a changed community refuses it (422, with the problems)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        lock_boundaries()
        generation = locked_draft(generation_id, version)
        if not generation.grids.exists() and not generation.retires.exists():
            raise Unprocessable(_("The draft changes no grid."), field="generation")
        last = (
            Generation.objects.filter(district=generation.district, valid_from__isnull=False)
            .exclude(pk=generation.pk)
            .aggregate(last=Max("valid_from"))["last"]
        )
        if last is not None and on <= last:
            raise Conflict(
                _("A generation of this district is in force from %(day)s: the next one can start from %(next)s.")
                % {"day": last, "next": last + timedelta(days=1)},
                field="on",
                code="too_early",
            )
        if on > timezone.localdate():
            raise GovgridError(_("A generation is put in force today or on a past day, not ahead."), field="on")
        added, retired, communities = _apply(generation, on)
        plan = Plan(
            generation.number,
            on.isoformat(),
            added=sorted(a.code for a in added.values()),
            retired=sorted(a.code for a in retired.values()),
        )
        for code in communities:
            plan.problems += [p.as_dict() for p in validate_area(code)]
        if plan.problems:
            transaction.set_rollback(True)
            if dry_run:
                return plan
            raise Unprocessable(
                _("The new grids have %(n)d topology problems: %(first)s")
                % {"n": len(plan.problems), "first": plan.problems[0]["message"]},
                field="generation",
                problems=plan.problems,
            )
        successors, rows = _successions(generation, added, retired, settings.GRID_TOLERANCE_M2)
        codes = {**{a.id: a.code for a in added.values()}, **{a.id: a.code for a in retired.values()}}
        plan.successions = [
            {"old": codes[o], "new": codes[n], "share": round(s, 4), "area_m2": round(m2, 1)} for o, n, s, m2 in rows
        ]
        plan.successions.sort(key=lambda s: (s["old"], -s["share"]))
        change = Change(generation, on, timezone.now(), user, retired, added, successors)
        for _name, mover in MOVERS:
            mover(change, plan)
        Generation.objects.filter(district=generation.district, status=Generation.Status.ACTIVE).update(
            status=Generation.Status.PAST, valid_to=on
        )
        generation.status = Generation.Status.ACTIVE
        generation.valid_from = on
        generation.activated_by = user
        generation.activated_at = change.at
        generation.version += 1
        generation.plan = plan.as_dict()
        generation.save()
        if dry_run:
            transaction.set_rollback(True)
    return plan


def check(generation_id):
    """The topology problems the draft's changed communities would have: the activation's own check,
    rolled back."""
    with transaction.atomic():
        generation = locked_draft(generation_id, None)  # a draft only: an activated one's grids are written
        _added, _retired, communities = _apply(generation, timezone.localdate())
        problems = [p for code in communities for p in validate_area(code)]
        transaction.set_rollback(True)
    return problems


# --- following a retired grid -----------------------------------------------------------------------


def current_successor(area):
    """The current grid that holds most of a retired grid's ground, through every later generation
    (a QR code of the old grid leads there); the area itself when it is current."""
    seen = set()
    while area is not None and area.valid_to is not None and area.id not in seen:
        seen.add(area.id)
        succession = Succession.objects.filter(old=area).select_related("new").order_by("-share", "new__code").first()
        area = succession.new if succession else None
    return area
