"""The grid worker's phone page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def phone(request):
    return render(request, "incidents/phone.html")
