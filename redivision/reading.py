"""A generation as the API reads it: its dates and status, the grids it added and retired (GeoJSON,
the old against the new), the old→new table, the moves and conflicts of its activation."""

import json

from grids.models import Area, Generation, Level, Succession


def _feature(code, name, kind, households, population, geom, **more):
    return {
        "type": "Feature",
        "id": code,
        "geometry": json.loads(geom.json) if geom is not None else None,
        "properties": {
            "code": code,
            "name": name,
            "kind": kind,
            "households": households,
            "population": population,
            **more,
        },
    }


def _collection(features):
    return {"type": "FeatureCollection", "features": features}


def added_grids(generation):
    """The grids a generation adds: its draft grids, or once activated the areas it wrote."""
    if generation.status in (Generation.Status.DRAFT, Generation.Status.DISCARDED):
        return [
            (g.code, g.name, g.kind, g.households, g.population, g.geom, {"how": g.how, "community": g.community.code})
            for g in generation.grids.select_related("community")
        ]
    if generation.valid_from is None:
        return []  # the first generation: the areas as first drawn
    areas = Area.every.filter(
        code__startswith=generation.district.code, level=Level.GRID, valid_from=generation.valid_from
    )
    return [(a.code, a.name, a.kind, a.households, a.population, a.geom, {}) for a in areas.order_by("code")]


def retired_grids(generation):
    if generation.status in (Generation.Status.DRAFT, Generation.Status.DISCARDED):
        areas = generation.retires.all()
    elif generation.valid_from is None:
        return []
    else:
        areas = Area.every.filter(
            code__startswith=generation.district.code, level=Level.GRID, valid_to=generation.valid_from
        )
    return [(a.code, a.name, a.kind, a.households, a.population, a.geom, {}) for a in areas.order_by("code")]


def generation_summary(generation, added=None, retired=None):
    if added is None:
        added = len(added_grids(generation))
    if retired is None:
        retired = len(retired_grids(generation))
    return {
        "id": generation.id,
        "district": generation.district.code,
        "district_name": generation.district.name,
        "number": generation.number,
        "name": generation.name,
        "status": generation.status,
        "status_label": str(generation.get_status_display()),
        "valid_from": generation.valid_from,
        "valid_to": generation.valid_to,
        "added": added,
        "retired": retired,
        "created_at": generation.created_at,
        "activated_at": generation.activated_at,
        "version": generation.version,
    }


def generation_detail(generation):
    added, retired = added_grids(generation), retired_grids(generation)
    body = generation_summary(generation, len(added), len(retired))
    successions = Succession.objects.filter(generation=generation).select_related("old", "new")
    body.update(
        {
            "new_grids": _collection([_feature(c, n, k, h, p, g, **more) for c, n, k, h, p, g, more in added]),
            "old_grids": _collection([_feature(c, n, k, h, p, g, **more) for c, n, k, h, p, g, more in retired]),
            "choices": generation.choices,
            "successions": [
                {"old": s.old.code, "new": s.new.code, "share": round(s.share, 4), "area_m2": round(s.area_m2, 1)}
                for s in successions
            ],
            "plan": generation.plan,
            "note": generation.note,
        }
    )
    return body
