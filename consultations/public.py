"""What a community's public page (residents.public) shows of its consultations: the items decided
in a period and published, with their decisions; no proposer, no attendee."""

from .models import Item


def decided_items(community_code, since, until):
    """[{title, decision}] of the community's items decided in [since, until) and published: past
    their method's publication stage (公示), which is the community's own word that they are public
    (their words may be a resident's). Oldest first."""
    items = Item.objects.filter(community__code=community_code, decided_at__gte=since, decided_at__lt=until).exclude(
        status=Item.Status.DROPPED
    )
    return [
        {"title": item.title, "decision": item.decision}
        for item in items.order_by("decided_at", "id")
        if any(stage["kind"] == "publication" for stage in item.stages[: item.stage])
    ]
