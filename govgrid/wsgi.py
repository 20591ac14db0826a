import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: moved out
# of the collector's reach, the collections a request's garbage sets off no longer walk it. The
# oldest generation's collections walked it all, and cost the server more than the gen-0 ones.
gc.freeze()
