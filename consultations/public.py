"""What a community's public page (residents.public) shows of its consultations: the items decided
in a period, with their decisions; no proposer, no attendee."""

from .models import Item


def decided_items(community_code, since, until):
    """[{title, decision}] of the community's items decided in [since, until), oldest first."""
    items = Item.objects.filter(community__code=community_code, decided_at__gte=since, decided_at__lt=until).exclude(
        status=Item.Status.DROPPED
    )
    return [{"title": item.title, "decision": item.decision} for item in items.order_by("decided_at", "id")]
