"""Logging in: tokens for phones and scripts, sessions for browsers, both throttled.

Refused attempts are rows in the database (FailedLogin), so the limits hold across every gunicorn
worker. Within GOVGRID_LOGIN_LOCK_MINUTES:

| who                                   | after                               | then                                  |
|---------------------------------------|-------------------------------------|---------------------------------------|
| one username from one address         | GOVGRID_LOGIN_MAX_FAILURES refusals | that address is refused that username |
| one address, any usernames            | four times as many                  | that address is refused every login   |
| one username, from all addresses      | more than one address may make      | each try waits a doubling delay after |
|                                       |                                     | the last refusal (captcha-free)       |

so guessing from one address can lock out nobody but that address, and a person from another
address still logs in (at worst after GOVGRID_LOGIN_BACKOFF_MAX_SECONDS) while their name is
hammered. Refused tries are not recorded, so each lock ends when its window has passed. A
successful login clears its username's record from that address. The address is
grids.auth.client_address, the one every throttle uses.

A token works for GOVGRID_TOKEN_TTL_HOURS (grids.auth.token_expired); logging in again gives
the same token while it works and a new one after. POST auth/token/rotate/ replaces it at once,
POST auth/token/revoke/ and logging out of the browser end it.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.errors import GovgridError

from . import schema as docs
from .auth import client_address, token_expired
from .models import FailedLogin


class TooManyAttempts(GovgridError):
    status = 429
    code = "too_many_attempts"


def backoff_seconds(failures):
    """The wait after a username's last refusal once it has more refusals (from every address) than
    one address may make: 1 s, then doubling, up to GOVGRID_LOGIN_BACKOFF_MAX_SECONDS."""
    beyond = failures - settings.LOGIN_MAX_FAILURES
    return 0 if beyond <= 0 else min(2 ** min(beyond - 1, 30), settings.LOGIN_BACKOFF_MAX_SECONDS)


def check_not_locked(username, ip):
    now = timezone.now()
    recent = FailedLogin.objects.filter(at__gte=now - timedelta(minutes=settings.LOGIN_LOCK_MINUTES))
    counts = recent.aggregate(
        from_pair=Count("id", filter=Q(username=username, ip=ip)),
        from_address=Count("id", filter=Q(ip=ip)),
        of_username=Count("id", filter=Q(username=username)),
        last_of_username=Max("at", filter=Q(username=username)),
    )
    if counts["from_pair"] >= settings.LOGIN_MAX_FAILURES or (
        ip and counts["from_address"] >= 4 * settings.LOGIN_MAX_FAILURES
    ):
        raise TooManyAttempts(
            _("Too many failed logins: try again in %(minutes)d minutes.") % {"minutes": settings.LOGIN_LOCK_MINUTES}
        )
    wait = backoff_seconds(counts["of_username"])
    if wait and (left := wait - (now - counts["last_of_username"]).total_seconds()) > 0:
        seconds = max(1, round(left))
        raise TooManyAttempts(
            _("Too many failed logins for this username: try again in %(seconds)d seconds.") % {"seconds": seconds},
            retry_after=seconds,
        )


def throttled_authenticate(request, username, password):
    """The user, or None; raises TooManyAttempts when this username or address is locked out.

    Attempts on one username are serialised by a transaction lock, so parallel guesses cannot all
    pass the check before any of them is recorded.
    """
    ip = client_address(request)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('govgrid.login:' || %s))", [username])
        check_not_locked(username, ip)
        user = authenticate(request, username=username, password=password)
        if user is None:
            FailedLogin.objects.create(username=username[:150], ip=ip)
            # Old refusals no longer count; keep the table small.
            FailedLogin.objects.filter(at__lt=timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES)).delete()
        else:
            FailedLogin.objects.filter(username=username, ip=ip).delete()
    return user


def new_token(user, keep_working=False):
    """A new token for the user, ending the one they had; with keep_working, the one they have while
    it works. The user's row is locked first, so two logins at once neither both make a token (a
    user has one) nor end the one the other just got."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        token = Token.objects.filter(user=user).first()
        if keep_working and token is not None and not token_expired(token.created):
            return token
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def working_token(user):
    """The user's token while it works, so their phone and scripts share it; else a new one."""
    token = Token.objects.filter(user=user).first()
    return token if token is not None and not token_expired(token.created) else new_token(user, keep_working=True)


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False)


class ObtainToken(APIView):
    """POST /api/v1/auth/token/ {username, password} → {"token": ...} for `Authorization: Token ...`."""

    authentication_classes = []
    permission_classes = []

    @docs.obtain_token(TokenRequest)
    def post(self, request):
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        user = throttled_authenticate(request, data.validated_data["username"], data.validated_data["password"])
        if user is None:
            raise GovgridError(_("Wrong username or password."), field="password", code="wrong_credentials")
        return Response({"token": working_token(user).key})


class RotateToken(APIView):
    """POST /api/v1/auth/token/rotate/ → a new token; the one sent stops working at once."""

    permission_classes = [IsAuthenticated]

    @docs.rotate_token
    def post(self, request):
        return Response({"token": new_token(request.user).key})


class RevokeToken(APIView):
    """POST /api/v1/auth/token/revoke/ → 204; the caller's token stops working (logging in gives a new one)."""

    permission_classes = [IsAuthenticated]

    @docs.revoke_token
    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = throttled_authenticate(self.request, username, password)
            except TooManyAttempts as locked:
                raise ValidationError(str(locked.message), code="too_many_attempts") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login form, throttled like every other login."""


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logging out also tells the browser to drop what it keeps for this site (the phone page's
    offline copy), so the next person on a shared phone never sees the last one's page."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Logging out ends the person's API token too: a lost or shared device keeps nothing usable.
            Token.objects.filter(user=request.user).delete()
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response


def end_tokens_on_new_password(sender, instance, update_fields=None, **kwargs):
    """A new password (set by the person, or reset by an administrator for a lost phone) ends the
    person's API token: whatever held the old one logs in again."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
