"""Fixtures of govgrid's own tests: the drawn city's cast with a password (tests/grids/cast.py)."""

from tests.grids.cast import cast, usernames  # noqa: F401 - fixtures
