"""Static files as the site serves them: compressed, and named by a hash of their content
(WhiteNoise's manifest storage), so a browser or the phone page's service worker may keep a file for
as long as it likes and a changed file is a new name.

ES modules import each other by name, so their imports are rewritten to the hashed names as well
(Django's `support_js_module_import_aggregation`): the phone page's modules (incidents/static/
incidents/phone/) then load from the service worker's copy with no round trip, and a module changed
on the server is a new file that the page asks for.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
