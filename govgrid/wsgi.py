import gc
import os
from pathlib import Path

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.urls import get_resolver
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
application = get_wsgi_application()
# The routes, and with them the views, DRF and the schema, loaded now rather than on the first request.
routes = get_resolver().url_patterns


def _ready_for_first_requests():
    """What a worker's first requests would otherwise make (a dashboard's first took 0.15 s more than
    the next): the routes' reverse look-ups, one table per language (every page's links), and
    govgrid's own templates, compiled into the cached loader."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            get_resolver().reverse_dict  # noqa: B018 (made on first reading)
    base = Path(settings.BASE_DIR).resolve()
    for folder in (*settings.TEMPLATES[0]["DIRS"], *get_app_template_dirs("templates")):
        folder = Path(folder).resolve()
        if base in folder.parents and ".venv" not in folder.parts:
            for template in sorted(folder.rglob("*.html")):
                get_template(template.relative_to(folder).as_posix())


_ready_for_first_requests()

# Everything loaded so far (Django, the apps, their views and modules) lives as long as the process:
# moved out of the collector's reach, the collections a request's garbage sets off no longer walk it.
# The oldest generation's collections walked it all, and cost the server more than the gen-0 ones.
# One of intake's speed-ups: docs/speed.md lists them together, with what each costs.
gc.freeze()
