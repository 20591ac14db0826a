"""The scheme editor in the admin: a scheme is edited until a round uses it, then read only; its
next version is made from it; a computed criterion with thresholds that cannot be counted is
refused with the reason."""

from django.test import Client

from ratings import assessing
from ratings.models import Criterion, Scheme

from .conftest import LAST_QUARTER


def admin_client(people):
    people.admin.is_staff = True
    people.admin.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(people.admin)
    return client


def criterion_form(scheme, **changes):
    """The change form's fields as posted, for the scheme as it is, with `changes` on A1."""
    data = {"name": scheme.name, "district": scheme.district_id, "version": scheme.version,
            "valid_from": scheme.valid_from.isoformat(), "star_bands": '{"5": 90, "4": 80, "3": 70, "2": 60}',
            "min_reviewers": scheme.min_reviewers}  # fmt: skip
    sections = list(scheme.sections.all())
    data |= {"sections-TOTAL_FORMS": len(sections), "sections-INITIAL_FORMS": len(sections),
             "sections-MIN_NUM_FORMS": 0, "sections-MAX_NUM_FORMS": 1000}  # fmt: skip
    for n, s in enumerate(sections):
        data |= {f"sections-{n}-id": s.pk, f"sections-{n}-scheme": scheme.pk, f"sections-{n}-code": s.code,
                 f"sections-{n}-name": s.name, f"sections-{n}-position": s.position}  # fmt: skip
    criteria = list(scheme.criteria.all())
    data |= {"criteria-TOTAL_FORMS": len(criteria), "criteria-INITIAL_FORMS": len(criteria),
             "criteria-MIN_NUM_FORMS": 0, "criteria-MAX_NUM_FORMS": 1000}  # fmt: skip
    for n, c in enumerate(criteria):
        fields = {"id": c.pk, "scheme": scheme.pk, "section": c.section_id, "code": c.code, "name": c.name,
                  "rule": c.rule, "max_points": c.max_points, "kind": c.kind, "indicator": c.indicator,
                  "none_points": c.none_points, "position": c.position,
                  "thresholds": _json(c.thresholds), "deductions": _json(c.deductions)}  # fmt: skip
        if c.code == "A3":
            fields |= changes
        data |= {f"criteria-{n}-{k}": v for k, v in fields.items()}
    return data


def _json(value):
    import json

    return json.dumps(value, ensure_ascii=False)


def test_a_scheme_is_edited_until_a_round_uses_it(rating):
    client = admin_client(rating)
    path = f"/admin/ratings/scheme/{rating.scheme.pk}/change/"
    refused = client.post(path, criterion_form(rating.scheme, thresholds="[[0.5, 2], [0.9, 4]]"))
    assert refused.status_code == 200 and "从高到低" in refused.content.decode()
    answer = client.post(path, criterion_form(rating.scheme, thresholds="[[0.9, 4], [0.5, 2]]"))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Criterion.objects.get(scheme=rating.scheme, code="A3").thresholds == [[0.9, 4], [0.5, 2]]
    assessing.open_round(rating.users["district"], rating.city.code, LAST_QUARTER)
    page = client.get(path).content.decode()
    assert 'name="criteria-0-name"' not in page  # read only now
    assert client.post(path, criterion_form(rating.scheme, thresholds="[[0.8, 4]]")).status_code == 403
    assert Criterion.objects.get(scheme=rating.scheme, code="A3").thresholds == [[0.9, 4], [0.5, 2]]


def test_the_next_version_is_made_from_the_last(rating):
    client = admin_client(rating)
    client.post("/admin/ratings/scheme/", {"action": "next_version", "_selected_action": [rating.scheme.pk]})
    newer = Scheme.objects.get(district=rating.city.district, version=2)
    assert newer.criteria.count() == 22 and newer.sections.count() == 5 and newer.valid_from > LAST_QUARTER
