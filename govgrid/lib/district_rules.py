"""Rules set per district in a JSON setting: {"default": {...}, "<district code>": {...}}, each
entry naming some fields of a frozen dataclass of numbers. The district's rules are the dataclass's
defaults, then the setting's "default", then the district's own entry. A wrong entry stops the
server at its first use, naming the setting, the entry and the key."""

from dataclasses import fields
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured


def _checked(rules_class, entry, name, where):
    kinds = {f.name: f.type for f in fields(rules_class)}
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f"{name}[{where!r}] is not an object")
    unknown = set(entry) - set(kinds)
    if unknown:
        raise ImproperlyConfigured(f"{name}[{where!r}]: unknown key(s) {sorted(unknown)}")
    checked = {}
    for key, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ImproperlyConfigured(f"{name}[{where!r}][{key!r}] must be a number, 0 or more")
        checked[key] = int(value) if kinds[key] is int else Decimal(str(value))
    return checked


def district_rules(rules_class, configured, name, district_code):
    """The `rules_class` in force in a district, from the setting's value `configured` (its name
    `name`, for the error)."""
    values = _checked(rules_class, configured.get("default", {}), name, "default")
    values.update(_checked(rules_class, configured.get(district_code, {}), name, district_code))
    return rules_class(**values)
