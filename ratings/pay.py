"""The quarterly pay sheet of a street's community committees (星级报酬): for each month of the
quarter, each seat in force on its first day is paid by the stars in force that day under the pay
rule kept with them (ratings.rules): the secretary the base and so much a star, the other members
their share of their secretary's pay. A community with no stars in force is listed unpaid."""

import csv
from decimal import Decimal

from govgrid.lib.spreadsheet import safe_cell
from grids.models import Area, Level
from grids.models.people import in_force as seat_in_force

from . import schemes
from .models import CommitteeSeat
from .rules import member_pay, secretary_pay
from .stars import in_force


def pay_sheet(street, quarter):
    """Rows (community, month, seat, stars, kind of stars, pay) and totals for a street's quarter."""
    communities = list(Area.objects.filter(level=Level.COMMUNITY, code__startswith=street.code).order_by("code"))
    rows, rules = [], set()
    for month in schemes.months_of(quarter):
        stars = in_force([c.code for c in communities], month)
        seats = (
            CommitteeSeat.objects.filter(seat_in_force(month), party_org__area__in=communities)
            .select_related("person", "party_org__area")
            .order_by("party_org__area__code", "post", "person__name", "id")
        )
        for seat in seats:
            code = seat.party_org.area.code
            record = stars.get(code)
            pay = None
            if record is not None:
                rules.add((record.base_pay, record.pay_per_star, record.others_share))
                pay = secretary_pay(record) if seat.post == CommitteeSeat.Post.SECRETARY else member_pay(record)
            rows.append(
                {
                    "community": code,
                    "community_name": seat.party_org.area.name,
                    "month": f"{month:%Y-%m}",
                    "person": seat.person.name,
                    "post": seat.post,
                    "post_name": seat.get_post_display(),
                    "stars": record.stars if record else None,
                    "stars_from": record.kind if record else None,
                    "pay": pay,
                }
            )
    paid = [row["pay"] for row in rows if row["pay"] is not None]
    return {
        "street": street.code,
        "street_name": street.name,
        "quarter": quarter,
        "rows": rows,
        "total": sum(paid, Decimal(0)),
        "unpaid": sorted({row["community_name"] for row in rows if row["pay"] is None}),
        "rules": sorted(rules),  # (base pay, pay per star, the others' share) the stars were published with
    }


CSV_COLUMNS = ("community", "community_name", "month", "person", "post", "stars", "stars_from", "pay")
NUMBERS = ("stars", "pay")


def write_csv(sheet, out):
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in sheet["rows"]:
        writer.writerow(["" if row[c] is None else safe_cell(row[c], numeric=c in NUMBERS) for c in CSV_COLUMNS])
    writer.writerow(["", "", "", "", "", "", "total", sheet["total"]])
