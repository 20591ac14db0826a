"""The organiser's rotating attendance code (签到码) of an activity: six digits that change every
ACTIVITY_CODE_SECONDS, made with HMAC-SHA256 from the activity's secret and the number of the time
step (the way RFC 6238 makes its one-time passwords), so the server never stores a code and a code
seen once is useless a step later.

A member's code is accepted for the current step and the one before it: someone who read the code
from the screen just before it changed, and whose phone took a few seconds to send it, still gets
in. So a code stays good for between one and two steps.

Codes exist only inside the check-in window: from ACTIVITY_CHECK_IN_EARLY_MINUTES before the start
(members arrive and check in before it begins) until ACTIVITY_CHECK_IN_LATE_MINUTES after the end
(the organiser shows the code once more as people leave); outside it there is no code to show or
to accept.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings

DIGITS = 6


def new_secret():
    """An activity's secret: 32 random bytes in hex (the model keeps 64 characters)."""
    return secrets.token_hex(32)


def step_seconds():
    return max(10, int(settings.ACTIVITY_CODE_SECONDS))


def step_at(moment):
    return int(moment.timestamp()) // step_seconds()


def code_for(secret, step):
    """The code of one time step: HMAC-SHA256 of the step as 8 bytes, dynamically truncated to 31
    bits (RFC 4226 §5.3), its last six decimal digits."""
    digest = hmac.new(secret.encode(), step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def window(activity):
    """(opens_at, closes_at): when the activity's code is shown and accepted."""
    return (
        activity.starts_at - timedelta(minutes=settings.ACTIVITY_CHECK_IN_EARLY_MINUTES),
        activity.ends_at + timedelta(minutes=settings.ACTIVITY_CHECK_IN_LATE_MINUTES),
    )


def state_at(activity, now):
    """ "cancelled", "early" (before the window), "open" or "closed" (after it)."""
    if activity.status == activity.Status.CANCELLED:
        return "cancelled"
    opens_at, closes_at = window(activity)
    if now < opens_at:
        return "early"
    return "open" if now <= closes_at else "closed"


def current(activity, now):
    """(code, step, seconds_left) of the step holding `now`."""
    step = step_at(now)
    seconds_left = (step + 1) * step_seconds() - now.timestamp()
    return code_for(activity.secret, step), step, max(1, int(seconds_left + 0.999))


def accepts(activity, code, now):
    """Whether `code` is the activity's code of the current or the previous step (compared in
    constant time, so the answer's timing tells nothing of the right code)."""
    code = (code or "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return False
    step = step_at(now)
    matches = [hmac.compare_digest(code, code_for(activity.secret, s)) for s in (step, step - 1)]
    return any(matches)
