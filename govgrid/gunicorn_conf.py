"""gunicorn's configuration for govgrid (`gunicorn -c govgrid/gunicorn_conf.py ...`): an access log
that never holds a credential, and the keep-alive nginx's upstream relies on (at the end).

A token is a password for as long as it works, and Open311 clients send theirs as `?api_key=` in
the query string, which gunicorn's access log writes out with the request line, the referrer and
every header or environ value a log format may name. RedactingLogger replaces, in everything the
access log can print:

- the value of every query parameter whose name says it is a credential (api_key, token, password,
  ... also percent-encoded, as Django decodes `api%5Fkey` to `api_key`): `api_key=[redacted]`;
- the whole value of the Authorization, Proxy-Authorization, Cookie, Set-Cookie and CSRF headers,
  whatever access_log_format asks for.

The path, the other parameters, the status and the timing stay, so the log remains useful.
"""

import re
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

# A parameter whose name ends so (after decoding, in any case) carries a credential.
_SECRET_NAME = re.compile(r"(key|token|password|passwd|secret|session|signature|auth)$|^(tk|sig|pwd)$")
# name=value in a query string, a URL or a request line; the value ends at a separator or a space.
_PARAMETER = re.compile(r"(^|[?&;])([^=&;?#\s]+)=([^&;#\s\"]*)")
# Atoms that are headers (`{authorization}i`), response headers (`{set-cookie}o`) or environ
# values (`{http_authorization}e`) holding a credential in full.
_SECRET_ATOM = re.compile(r"^\{.*(authorization|cookie|csrf|token|api[-_]?key).*\}[ioe]$")


def _redact_parameter(match):
    separator, name, _value = match.groups()
    if _SECRET_NAME.search(unquote_plus(name).strip().lower()):
        return f"{separator}{name}={REDACTED}"
    return match.group(0)


def redact_query_values(text):
    """`text` with the value of each credential parameter replaced."""
    return _PARAMETER.sub(_redact_parameter, text) if "=" in text else text


def redact_atoms(atoms):
    """The access log's atoms with every credential replaced (the dictionary is changed in place)."""
    for name, value in atoms.items():
        if not isinstance(value, str):
            continue
        atoms[name] = REDACTED if _SECRET_ATOM.match(name) else redact_query_values(value)
    return atoms


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return redact_atoms(super().atoms(resp, req, environ, request_time))


logger_class = RedactingLogger

# Seconds a threaded worker keeps an idle connection from nginx open for its next request (gunicorn's
# default is 2). Above nginx's upstream keepalive_timeout (30 s, scripts/nginx.conf.in): the side that
# closes an idle connection must be the side that sends on it, or a request nginx sends just as
# gunicorn closes is lost (a POST then reaches its client as a 502). Sync workers ignore it.
keepalive = 45
