"""The rules of personal data are each stated once (grids/personal.py) and rendered twice, in Python
for the API, pages and admin and in SQL for the exports: the two renderings agree on PostgreSQL.

The phone mask is checked on every shape of input a phone field holds (empty, short, an 11-digit
mobile, separators, +86, letters, other scripts' digits) and on inputs hypothesis makes up, and the
mask's renderer on descriptions it makes up; the contact rule on one set of cases in a drawn city
for a user of every role (its cast, tests/grids/cast.py): the administrator, a street and a
community dispatcher, the two grid workers, the leader, the analyst, 王芳 who reported a case and
holds no role, 赵强 who holds none and reported nothing, and an anonymous caller.
"""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grids.personal import CASE_CONTACT, PHONE_MASK, Ends, Mask
from grids.scopes import Scope
from incidents.models import Incident
from tests.grids.cast import report_case

pytestmark = pytest.mark.django_db

# Examples are only read by PostgreSQL (no test state to reset between them), so the test's
# transaction fixture may serve all of them.
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def masked_in_sql(mask, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {mask.sql('given.value')} FROM (SELECT %s::text AS value) AS given", [value])
        return cursor.fetchone()[0]


# --- the phone mask --------------------------------------------------------------------------------

PHONE_SHAPES = [
    ("", ""),  # nothing to hide: no number, not "****"
    (None, None),  # SQL NULL
    ("5", "****5"),
    ("12", "****12"),
    ("622-1234", "****34"),
    ("6221234", "****34"),
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    (" 13812345678 ", "138****5678"),
    ("010 1234 5678", "010****5678"),  # any 11 digits, a landline with its area code too
    ("0371-12345678", "****78"),  # 12 digits
    ("138123456789", "****89"),
    ("+86 138 1234 5678", "****78"),  # the country code makes 13 digits: masked as any other number
    ("+8613812345678", "****78"),
    ("008613812345678", "****78"),
    ("abc", "****"),
    ("电话", "****"),
    ("电话13812345678转", "138****5678"),
    ("📞 138 1234 5678", "138****5678"),
    ("１３８１２３４５６７８", "****"),  # fullwidth digits are not counted, in Python as in SQL
    ("138１２３４5678", "****78"),
    ("1381234567８", "****67"),
    ("²³", "****"),
    ("①②", "****"),
    ("٣٤٥", "****"),
    ("\t1\n2", "****12"),
    ("'; SELECT 1 --%s%%\\", "****1"),
]


@pytest.mark.parametrize("phone, masked", PHONE_SHAPES)
def test_the_phone_mask_gives_the_same_in_python_and_in_sql_for_every_shape_of_phone(phone, masked):
    assert PHONE_MASK.mask(phone) == masked
    assert masked_in_sql(PHONE_MASK, phone) == masked


# What a phone field holds: digits of every kind, separators, a "+", letters, Chinese, an emoji.
phone_characters = st.sampled_from("0123456789" * 3 + " +-().#*０１２３４５６７８９²③٣电话转aA📞")
# Any text PostgreSQL stores (no NUL; no lone surrogate, which UTF-8 cannot carry).
any_character = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
mobile = st.from_regex(r"\A(\+86 ?|0086)?1[3-9][0-9]{9}\Z")
phones = st.one_of(st.text(phone_characters, max_size=24), st.text(any_character, max_size=24), mobile)


@EXAMPLES
@given(phone=phones)
def test_the_phone_mask_in_sql_equals_the_mask_in_python_for_made_up_phones(phone):
    assert masked_in_sql(PHONE_MASK, phone) == PHONE_MASK.mask(phone)


ends = st.builds(Ends, start=st.integers(0, 6), end=st.integers(0, 6))
masks = st.builds(
    Mask,
    counted=st.sampled_from(["0123456789", "13579", "abcXYZ019"]),
    otherwise=ends,
    by_count=st.dictionaries(st.integers(0, 14), ends, max_size=3),
    filler=st.sampled_from(["****", "", "#", "x-y"]),
)


@EXAMPLES
@given(mask=masks, value=st.text(st.sampled_from("0123456789abcxyzXYZ ０电📞-"), max_size=20))
def test_any_mask_described_as_data_renders_to_the_same_python_and_sql(mask, value):
    assert masked_in_sql(mask, value) == mask.mask(value)


def test_a_mask_refuses_characters_that_would_need_quoting_in_sql():
    for counted, filler in (("0-9", "*"), ("09'", "*"), ("09", "'"), ("09", "%"), ("09", "\\")):
        with pytest.raises(ValueError):
            Mask(counted=counted, otherwise=Ends(0, 2), filler=filler)


# --- whom a case's resident contact is shown to -----------------------------------------------------


@pytest.fixture
def people(cast):
    """The cast of a drawn city, 王芳 (no role, reports a case), 赵强 (no role, reports nothing) and an
    anonymous caller."""
    accounts = {name: cast.users[name] for name in CAST}
    for name in ("wangfang", "zhaoqiang"):
        accounts[name] = get_user_model().objects.create_user(name, password=str(uuid.uuid4()))
    accounts["anonymous"] = AnonymousUser()
    return accounts


CAST = ("admin", "leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker", "grid_worker_2")


@pytest.fixture
def placed_cases(cast, people):
    """Cases with a resident's contact whose responsible area sits at every level, in and out of the
    dispatchers' and grid workers' areas, reported by different people: {name: incident}."""
    grid, other_grid = cast.grid_of("grid_worker"), cast.grid_of("grid_worker_2")
    community, street, district = grid.code[:12], grid.code[:9], grid.code[:6]
    sibling = next(g for g in cast.grids_of(grid.parent) if g != grid)
    assert other_grid.code[:9] != street
    placed = {  # name: (the area now responsible, the reporter)
        "in_the_grid": (grid.code, "grid_worker"),
        "in_a_sibling_grid": (sibling.code, "grid_worker"),
        "at_the_community": (community, "grid_worker"),
        "at_the_street": (street, "grid_worker_2"),
        "at_the_district": (district, "wangfang"),
        "in_the_other_grid": (other_grid.code, "grid_worker_2"),
        "at_the_other_street": (other_grid.code[:9], "grid_worker"),
    }
    return {name: placed_case(cast, area_code, people[reporter]) for name, (area_code, reporter) in placed.items()}


def placed_case(city, area_code, reporter):
    """A case grid_worker reports in its grid, then made to be at `area_code` and `reporter`'s."""
    incident = report_case(city)
    Incident.objects.filter(pk=incident.pk).update(area_code=area_code, reporter=reporter)
    incident.refresh_from_db()
    return incident


def shown_in_python(scope, cases):
    return {name for name, incident in cases.items() if CASE_CONTACT.shows(scope, incident)}


def shown_in_sql(scope, cases):
    condition, values = CASE_CONTACT.sql(scope, "i", name="shown")
    names = {incident.pk: name for name, incident in cases.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.id FROM incidents_incident i WHERE i.id = ANY(%(ids)s) AND {condition}",
            values | {"ids": list(names)},
        )
        return {names[pk] for (pk,) in cursor.fetchall()}


EVERY_CASE = {
    "in_the_grid",
    "in_a_sibling_grid",
    "at_the_community",
    "at_the_street",
    "at_the_district",
    "in_the_other_grid",
    "at_the_other_street",
}
SHOWN_TO = {
    "admin": EVERY_CASE,
    "leader": EVERY_CASE,  # leaders call residents back (回访)
    "analyst": set(),  # never, whatever the scope
    "street_dispatcher": {"in_the_grid", "in_a_sibling_grid", "at_the_community", "at_the_street"},
    "community_dispatcher": {"in_the_grid", "in_a_sibling_grid", "at_the_community"},
    # their grid, and what they reported wherever it went
    "grid_worker": {"in_the_grid", "in_a_sibling_grid", "at_the_community", "at_the_other_street"},
    "grid_worker_2": {"in_the_other_grid", "at_the_street"},
    "wangfang": {"at_the_district"},  # a reporter with no role: their own case only
    "zhaoqiang": set(),  # an outsider
    "anonymous": set(),
}


@pytest.mark.parametrize("username", SHOWN_TO)
def test_the_contact_rule_in_sql_shows_exactly_the_cases_the_python_rule_shows(people, placed_cases, username):
    scope = Scope.for_user(people[username])
    assert shown_in_python(scope, placed_cases) == shown_in_sql(scope, placed_cases) == SHOWN_TO[username]
