"""Who may see and do what, decided here and nowhere else.

A user's scope is a set of area codes (everything inside an area has a code that starts with the
area's code) and what they may do there:

| who                                  | sees                 | may change | sees personal data |
|--------------------------------------|----------------------|------------|--------------------|
| administrator (superuser or role)    | everything           | yes        | yes                |
| dispatcher of a street or community  | that street/community| yes        | yes, in scope      |
| grid worker                          | their grids          | yes        | yes, in scope      |
| leader                               | their district       | no (but supervises) | yes, in scope |
| department handler or head           | cases sent to their department | theirs while it holds them | no |
| work-unit contact                    | no area: their unit's members' totals and reports (volunteers) | no | no |
| analyst                              | their district       | no         | no (masked)        |
| anyone else, anonymous               | nothing              | no         | no                 |

Personal data is a resident's name and phone on a case, and a person's phone, gender, birth year,
home community and work unit (PERSONAL_FIELDS: where it is not shown, the phone is masked and the
rest left out; a dual-registered member's home community and work unit say where they live and
work as surely as an address). Leaders supervise cases and call residents back about them
(督办、回访), so they see it; analysts work on the figures and take exports out of the system, so
they never do. A case's reporter always sees the contact they wrote. How a phone is masked and
whom a case's contact is shown to are stated once, in Python and in SQL, in grids/personal.py.

A case is seen by those whose scope holds the area now responsible for it, by its reporter, and,
read-only, by everyone who acted on it (accepted, handled, escalated, returned it…): a dispatcher
who escalates a case hands it up (已提级) and keeps following it, but may change it only where their
scope of change allows. `incidents` and `sees_incident` state this once for the pages, the API and the
workflow.

Outside the scope a thing does not exist (404); inside it but not allowed is 403. Querysets,
API views, pages, exports and the admin all ask a Scope: `filter` and `cases` for the ORM, `sql`
for hand-written SQL (both made of the code rule's two renderings, under_codes and under_codes_sql
in grids.models.areas), `read_prefixes` for "the area asked for, else the whole scope", and
`dispatches_in` for the dispatcher's right to act on a case, read with the other roles.
"""

from dataclasses import dataclass

from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError, NotFound

from .models import (
    DEPARTMENT_ROLES,
    WORK_UNIT_ROLES,
    Area,
    Assignment,
    HouseholdLink,
    Level,
    Person,
    Role,
    level_for_code,
)
from .models.areas import under_codes, under_codes_sql  # noqa: F401  (the code rule in Q and SQL, used here and by the maps)
from .models.people import in_force

WRITING_ROLES = {Role.DISPATCHER, Role.GRID_WORKER}
READING_ROLES = {Role.LEADER, Role.ANALYST}
PERSONAL_DATA_ROLES = WRITING_ROLES | {Role.LEADER}
# A person's fields that are personal data, for the API, the admin and anything else that shows a
# person: shown where Scope.shows_personal_data_of says, else the phone masked and the rest left out.
PERSONAL_FIELDS = ("phone", "gender", "birth_year", "home_community", "work_unit")


class Forbidden(GovgridError):
    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Scope:
    read: tuple = ()  # area codes whose subtrees may be seen
    write: tuple = ()  # area codes whose subtrees may be changed
    personal: tuple = ()  # area codes whose subtrees' personal data is shown
    everything: bool = False
    person_id: int | None = None
    user_id: int | None = None
    dispatches: tuple = ()  # area codes whose cases this user handles as their dispatcher
    works_at: str | None = None  # the level of their work: the highest dispatcher area's, or grid
    departments: tuple = ()  # ids of the departments they serve in (handler or head)
    grid_work: tuple = ()  # codes of the grids they are a grid worker of
    leads: tuple = ()  # area codes they are a leader of
    work_units: tuple = ()  # ids of the work units they are the contact of (their members' totals, not areas)

    @classmethod
    def for_user(cls, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return cls()
        loaded = getattr(user, "loaded_scope", None)
        if loaded is not None:  # read with the login's token (grids.auth), in the same statement
            return loaded
        # One statement: the user's person and the roles in force (a person with none gives one
        # row of NULLs, no person gives no row).
        rows = (
            Person.objects.filter(user=user)
            .annotate(serving=FilteredRelation("assignments", condition=in_force(through="assignments__")))
            .values_list(
                "id", "serving__role", "serving__area__code", "serving__department_id", "serving__work_unit_id"
            )
        )
        return cls.from_rows(user, list(rows))

    @classmethod
    def from_rows(cls, user, rows):
        """The scope of an active user from their person's rows: (person id, role, area code,
        department id, work unit id), a row per role in force; one row with no role for a person
        with none, no row for no person. A department role gives the cases sent to the department,
        a work-unit role its unit's members (volunteers' totals and reports), neither an area."""
        person_id = rows[0][0] if rows else None
        departments = tuple(sorted({row[3] for row in rows if row[1] in DEPARTMENT_ROLES}))
        work_units = tuple(sorted({row[4] for row in rows if row[1] in WORK_UNIT_ROLES}))
        roles = [(row[1], row[2]) for row in rows if row[1] is not None]
        roles = [(role, code) for role, code in roles if role not in DEPARTMENT_ROLES and role not in WORK_UNIT_ROLES]
        who = {
            "person_id": person_id,
            "user_id": user.pk,
            "dispatches": _minimal({code for role, code in roles if role == Role.DISPATCHER}),
            "works_at": _working_level(code for role, code in roles if role in WRITING_ROLES),
            "departments": departments,
            "work_units": work_units,
            "grid_work": tuple(sorted({code for role, code in roles if role == Role.GRID_WORKER})),
            "leads": _minimal({code for role, code in roles if role == Role.LEADER}),
        }
        if user.is_superuser or any(role == Role.ADMINISTRATOR for role, _code in roles):
            return cls(everything=True, **who)
        write = _minimal({code for role, code in roles if role in WRITING_ROLES})
        read = _minimal({code for role, code in roles if role in WRITING_ROLES | READING_ROLES})
        personal = _minimal({code for role, code in roles if role in PERSONAL_DATA_ROLES})
        return cls(read=read, write=write, personal=personal, **who)

    # --- questions ---------------------------------------------------------------------------
    def sees(self, code):
        return self.everything or any(code.startswith(prefix) for prefix in self.read)

    def sees_within(self, code):
        """Whether this user sees the area `code` or anything in it (a street's staff read their
        district's star-rating rounds and its generations of the grids)."""
        return self.everything or any(code.startswith(p) or p.startswith(code) for p in self.read)

    def changes(self, code):
        return self.everything or any(code.startswith(prefix) for prefix in self.write)

    def dispatches_in(self, code):
        """Whether this user acts as the dispatcher of a case in area `code` (accepts, assigns,
        closes…): a dispatcher's role in force over it, or an administrator. A grid worker changes
        their grid's cases (`changes`) but does not dispatch them."""
        return self.everything or any(code.startswith(prefix) for prefix in self.dispatches)

    def leads_in(self, code):
        """Whether this user is a leader over area `code` (supervises its cases), or an administrator."""
        return self.everything or any(code.startswith(prefix) for prefix in self.leads)

    def oversees(self, code):
        """Whether this user is staff or a leader of area `code` or of an area above it (reviews a
        project's evidence, a community's self-assessment, a street's proposal of stars)."""
        return self.changes(code) or self.leads_in(code)

    def works_in_grid(self, code):
        """Whether this user is a grid worker of the grid `code` (verifies its cases on site)."""
        return self.everything or code in self.grid_work

    def serves_in(self, department_id):
        """Whether this user serves in the department (handler or head), or is an administrator."""
        return self.everything or department_id in self.departments

    def contact_of(self, work_unit_id):
        """Whether this user is the work unit's contact (reads its members' totals), or an administrator."""
        return self.everything or work_unit_id in self.work_units

    @property
    def sees_anything(self):
        return self.everything or bool(self.read) or bool(self.departments)

    # --- querysets ---------------------------------------------------------------------------
    def roots(self):
        """The top areas of the scope: every district for administrators."""
        if self.everything:
            return Area.objects.filter(level="district").order_by("code")
        return Area.objects.filter(code__in=self.read).order_by("code")

    def area_seen(self, code, field=None):
        """The area with this code (its parents joined, no boundaries) when this scope sees it;
        otherwise NotFound, naming `field`: outside the scope an area does not exist."""
        area = Area.objects.with_chain().filter(code=code).first() if self.sees(code) else None
        if area is None:
            raise NotFound(_("No area has the code %(code)s.") % {"code": code}, field=field)
        return area

    def read_prefixes(self, within=None, field=None):
        """The code prefixes a read covers: the area `within` names when this scope sees it (else
        NotFound naming `field`, see area_seen), else the whole scope, the codes of its top areas
        (`roots`: every district for administrators; none for a user without a role)."""
        if within:
            return [self.area_seen(within, field).code]
        if self.everything:
            return [area.code for area in self.roots()]
        return list(self.read)

    def areas(self, queryset=None):
        return self._by_code(Area.objects.all() if queryset is None else queryset, "code", self.read)

    def filter(self, queryset, code_field, writing=False):
        """Any queryset whose rows belong to an area, through `code_field` (e.g. "area__code")."""
        return self._by_code(queryset, code_field, self.write if writing else self.read)

    def incidents(self, queryset):
        """Cases (a queryset of incidents) this user may read: in scope by the area now responsible,
        their own reports, and those they acted on and handed on (read-only for them)."""
        if self.everything:
            return queryset
        condition = under_codes(self.read, "area_code")
        if self.user_id is not None:
            condition |= Q(reporter_id=self.user_id)
        if self.departments:
            condition |= self._sent_to_departments(queryset.model)
        if self.follows_handed_on:
            condition |= self._acted_on(queryset.model)
        return queryset.filter(condition)

    @property
    def follows_handed_on(self):
        """Cases one acted on are followed while one serves (some role in force), not after: a
        dispatcher who moved on or left no longer reads the cases of their old post."""
        return self.user_id is not None and bool(self.read)

    def handed_on(self, queryset):
        """The cases this user acted on (any event of theirs) that have left their scope of change:
        escalated up, returned down or taken elsewhere (已提级 on the dispatch page)."""
        if not self.follows_handed_on or self.everything:
            return queryset.none()
        return queryset.filter(self._acted_on(queryset.model)).exclude(under_codes(self.write, "area_code"))

    # The two conditions below are EXISTS of the case's own rows, which leaves PostgreSQL the choice
    # of looking them up for the few cases a page reads (the case page, a phone's own cases) or of
    # hashing them all for a list. As `id IN (cases joined to their events)` it had to read every
    # month's cases for one case page, which at 2,000,000 cases started parallel workers.
    # The tables are reached through the incident model's relations, so this module does not
    # import the incidents app (it sits above grids).

    def _acted_on(self, model):
        """The cases with an event of this user's (the events' actor index finds them)."""
        events = model._meta.get_field("events").related_model
        return Exists(events.objects.filter(incident=OuterRef("pk"), actor_id=self.user_id))

    def _sent_to_departments(self, model):
        """The cases dispatched to their departments, now or before (read-only once contested)."""
        dispatches = model._meta.get_field("dispatches").related_model
        return Exists(dispatches.objects.filter(incident=OuterRef("pk"), department_id__in=self.departments))

    def sees_incident(self, incident):
        """One case, by the rule of `cases` (a query only when area and reporter do not settle it)."""
        if self.sees(incident.area_code) or (self.user_id is not None and incident.reporter_id == self.user_id):
            return True
        if self.departments and incident.dispatches.filter(department_id__in=self.departments).exists():
            return True
        return self.follows_handed_on and incident.events.filter(actor_id=self.user_id).exists()

    def people(self, queryset=None):
        """People with an assignment or a household link in force in scope, or their home there."""
        queryset = Person.objects.all() if queryset is None else queryset
        if self.everything:
            return queryset
        in_scope = Q(pk=self.person_id) if self.person_id else Q(pk__in=[])
        for prefix in self.read:
            serving = Assignment.objects.active().filter(area__code__startswith=prefix).values("person_id")
            linking = HouseholdLink.objects.active().filter(grid__code__startswith=prefix).values("person_id")
            in_scope |= Q(pk__in=serving) | Q(pk__in=linking) | Q(home_community__code__startswith=prefix)
        return queryset.filter(in_scope)

    def shows_personal_data_in(self, code):
        return self.everything or any(code.startswith(prefix) for prefix in self.personal)

    def shows_personal_data_of(self, person):
        """A person's phone and the like: to administrators, to the person, and to those whose
        scope of personal data holds where the person serves, lives or links households."""
        if self.everything or person.pk == self.person_id:
            return True
        return any(self.shows_personal_data_in(code) for code in person_area_codes(person))

    # --- guards for views --------------------------------------------------------------------
    def check_sees(self, code, what=None):
        if not self.sees(code):
            raise NotFound(_("No area has the code %(code)s.") % {"code": code} if what is None else what)

    def check_changes(self, code):
        self.check_sees(code)
        if not self.changes(code):
            raise Forbidden(_("You may look at %(code)s but not change anything there.") % {"code": code})

    def sql(self, column, writing=False, name="scope", personal=False, fixed=False):
        """The same rule as `filter` (or as shows_personal_data_in with `personal`), for hand-written
        set-based SQL: a condition on a column of area codes and its parameters, (text, {name_0: ...,
        ...}) in psycopg's named style, by under_codes_sql (one LIKE per prefix, so the area code's
        pattern index serves a small scope).

        `fixed`: the same text for every scope, "({name}_all OR column LIKE ANY({name}))", for a
        statement prepared once (govgrid.lib.prepared): build its text with any Scope, e.g.
        Scope().sql(column, name=..., fixed=True)[0], and pass the caller's scope's parameters."""
        prefixes = self.personal if personal else self.write if writing else self.read
        if fixed:
            text, params = under_codes_sql(column, prefixes, name, fixed=True)
            return f"(%({name}_all)s OR {text})", params | {f"{name}_all": self.everything}
        if self.everything:
            return "TRUE", {}
        return under_codes_sql(column, prefixes, name)

    def _by_code(self, queryset, field, prefixes):
        if self.everything:
            return queryset
        return queryset.filter(under_codes(prefixes, field))


def person_area_codes(person):
    """Codes of the areas a person serves in, links households in (both in force), or lives in.
    Uses the `active_assignments` and `active_household_links` prefetched by the people API."""
    active = getattr(person, "active_assignments", None)
    if active is None:
        active = Assignment.objects.active().filter(person=person).select_related("area")
    codes = {a.area.code for a in active}
    links = getattr(person, "active_household_links", None)
    if links is None:
        links = HouseholdLink.objects.active().filter(person=person).select_related("grid")
    codes.update(link.grid.code for link in links)
    if person.home_community_id:
        codes.add(person.home_community.code)
    return codes


def _working_level(codes):
    """The level a user works at, from the codes of their dispatcher and grid worker areas: the
    highest of street, community and grid among them, or None."""
    levels = {level_for_code(code) for code in codes}
    return next((level for level in (Level.STREET, Level.COMMUNITY, Level.GRID) if level in levels), None)


def _minimal(codes):
    """Drop codes inside another code of the set; the rest in order of code."""
    kept = []
    for code in sorted(codes, key=lambda code: (len(code), code)):
        if not any(code.startswith(k) for k in kept):
            kept.append(code)
    return tuple(sorted(kept))
