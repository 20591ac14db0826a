"""Helpers for tests that show a drawn city through the served app or a browser (used beyond maps:
the exports' and Open311's served tests too)."""

from tests.conftest import DEMO_PASSWORD
from tests.incidents.conftest import clock  # noqa: F401 - the fixture: a case of a past period received then


def staffed_with_passwords(*names):
    """For committed_city's add_people: the cast (DrawnCity.staff), the named ones of it with the
    tests' password, which Device.log_in types and the token endpoint checks (hashing a password
    costs a third of a second, so only the accounts a test logs in as get one)."""

    def add_people(city):
        city.staff()
        for name in names:
            city.users[name].set_password(DEMO_PASSWORD)
            city.users[name].save()

    return add_people
