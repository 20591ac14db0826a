"""Logging in: tokens for phones and scripts, sessions for browsers, both throttled.

Refused attempts are rows in the database (FailedLogin), so the limit holds across every gunicorn
worker: after GOVGRID_LOGIN_MAX_FAILURES refusals for one username, or four times as many from one
address, within GOVGRID_LOGIN_LOCK_MINUTES, further attempts are refused with 429 until the window
has passed. A successful login clears the username's record.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.errors import GovgridError

from .models import FailedLogin


class TooManyAttempts(GovgridError):
    status = 429
    code = "too_many_attempts"


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def check_not_locked(username, ip):
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    recent = FailedLogin.objects.filter(at__gte=since)
    if recent.filter(username=username).count() >= settings.LOGIN_MAX_FAILURES or (
        ip and recent.filter(ip=ip).count() >= 4 * settings.LOGIN_MAX_FAILURES
    ):
        raise TooManyAttempts(
            _("Too many failed logins: try again in %(minutes)d minutes.") % {"minutes": settings.LOGIN_LOCK_MINUTES}
        )


def throttled_authenticate(request, username, password):
    """The user, or None; raises TooManyAttempts when this username or address is locked out.

    Attempts on one username are serialised by a transaction lock, so parallel guesses cannot all
    pass the check before any of them is recorded.
    """
    ip = client_ip(request)
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
            FailedLogin.objects.filter(username=username).delete()
    return user


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False)


class ObtainToken(APIView):
    """POST /api/v1/auth/token/ {username, password} → {"token": ...} for `Authorization: Token ...`."""

    authentication_classes = []
    permission_classes = []

    def post(self, request):
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        user = throttled_authenticate(request, data.validated_data["username"], data.validated_data["password"])
        if user is None:
            raise GovgridError(_("Wrong username or password."), field="password", code="wrong_credentials")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response
