import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
application = get_wsgi_application()
# The routes, and with them the views, DRF and the schema, loaded now rather than on the first request.
routes = get_resolver().url_patterns

# Everything loaded so far (Django, the apps, their views and modules) lives as long as the process:
# moved out of the collector's reach, the collections a request's garbage sets off no longer walk it.
# The oldest generation's collections walked it all, and cost the server more than the gen-0 ones.
# One of intake's speed-ups: docs/speed.md lists them together, with what each costs.
gc.freeze()
