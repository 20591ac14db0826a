"""Response templates (常用语): a dispatcher keeps them for their area, a department's people for
their department; each for a category or for every one. On the case page they are offered in the
reason field (a list the browser shows as one types, no script needed)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from govgrid.lib.privacy import personal_data
from grids.models import Area, Department
from grids.scopes import Scope

from .models import Category, ResponseTemplate


class TemplateForm(forms.ModelForm):
    owner = forms.ChoiceField(label=_("kept by"))

    class Meta:
        model = ResponseTemplate
        fields = ["use", "text", "category"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners
        self.fields["category"].queryset = Category.objects.filter(active=True)


def _owners(scope):
    """(value, label) of what the user may keep templates for: the areas they dispatch in, their departments."""
    areas = [(f"area:{a.code}", a.name) for a in Area.objects.filter(code__in=scope.dispatches)]
    departments = [(f"department:{d.pk}", d.name) for d in Department.objects.filter(pk__in=scope.departments)]
    return areas + departments


@personal_data  # beside the case pages under /dispatch/, and never kept by a shared browser either
@login_required
def templates(request):
    scope = Scope.for_user(request.user)
    owners = _owners(scope)
    if not owners:
        raise Http404(_("Only dispatchers and departments keep response templates."))
    mine = ResponseTemplate.objects.filter(
        Q(area__code__in=scope.dispatches) | Q(department_id__in=scope.departments)
    ).select_related("category", "area", "department")
    if request.method == "POST" and request.POST.get("delete"):
        mine.filter(pk=request.POST["delete"]).delete()
        return redirect("response-templates")
    form = TemplateForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        kind, key = form.cleaned_data["owner"].split(":", 1)
        template = form.save(commit=False)
        if kind == "area":
            template.area = Area.objects.get(code=key)
        else:
            template.department_id = int(key)
        template.save()
        messages.success(request, _("The template is saved."))
        return redirect("response-templates")
    return render(request, "incidents/templates.html", {"form": form, "templates": mine})
