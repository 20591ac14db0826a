"""govgrid.settings plus the bench-only bare-insert app (bench/bare) and its URL, for bench/intake.py."""

from govgrid.settings import *  # noqa: F403
from govgrid.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]
ROOT_URLCONF = "bench.bare.urls"
