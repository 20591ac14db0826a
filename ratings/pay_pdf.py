"""A street's quarterly pay sheet of its community committees as a PDF (星级报酬发放表): A4
portrait, in Chinese whatever the reader's language (a document for the street's finance office),
one line per seat and month with the stars in force and the amount, each community's subtotal, the
street's total, and the rule the amounts follow. Drawn as govgrid.lib.pdf draws its documents."""

from decimal import Decimal

from django.utils import timezone
from fpdf.fonts import FontFace

from govgrid.lib.pdf import FONT, Document, check_fonts

from .models import quarter_label

COLUMNS = (("社区", 44), ("月份", 18), ("姓名", 26), ("职务", 22), ("星级", 16), ("星级来源", 26), ("金额（元）", 38))
SOURCES = {"rating": "季度评定", "adjustment": "季度间调整", None: "无有效星级"}


def pay_sheet_pdf(sheet, made_on=None):
    """The sheet (ratings.pay.pay_sheet) as PDF bytes."""
    check_fonts("pay sheets")
    made_on = made_on or timezone.localdate()
    quarter = quarter_label(sheet["quarter"])
    title = f"{sheet['street_name']}社区党组织书记及班子成员星级报酬发放表"
    pdf = Document(f"{sheet['street_name']} · {quarter}", orientation="portrait")
    pdf.open_with_heading(title, f"{title} {quarter}", 15)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, f"期间：{quarter}（{sheet['quarter']:%Y年%m月}起三个月）", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 8.5)
    with pdf.columns_table(
        COLUMNS, text_align=("LEFT", "CENTER", "LEFT", "CENTER", "CENTER", "CENTER", "RIGHT"), line_height=5
    ) as table:
        table.row([heading for heading, _width in COLUMNS])
        for community, rows in _by_community(sheet["rows"]):
            for row in rows:
                table.row(_cells(row))
            subtotal = sum((r["pay"] for r in rows if r["pay"] is not None), Decimal(0))
            table.row(["", "", "", "", "", f"{community} 小计", f"{subtotal:.2f}"], style=FontFace(emphasis="BOLD"))
        table.row(["合计", "", "", "", "", "", f"{sheet['total']:.2f}"], style=FontFace(emphasis="BOLD"))
    pdf.ln(3)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(0, 5, rules_text(sheet["rules"]), new_x="LMARGIN", new_y="NEXT")
    if sheet["unpaid"]:
        pdf.multi_cell(0, 5, "无有效星级、本表未计发：" + "、".join(sheet["unpaid"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.cell(0, 5, f"制表：网格化服务管理平台　{made_on.year}年{made_on.month}月{made_on.day}日", align="R")
    return bytes(pdf.output())


def _by_community(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row["community_name"], []).append(row)
    return grouped.items()


def _cells(row):
    stars = "—" if row["stars"] is None else "★" * row["stars"]
    pay = "—" if row["pay"] is None else f"{row['pay']:.2f}"
    post = "书记" if row["post"] == "secretary" else "班子成员"
    return [row["community_name"], row["month"], row["person"], post, stars, SOURCES[row["stars_from"]], pay]


def rules_text(rules):
    """The rule in words, from the pay rules the sheet's stars were published with (one line each)."""
    lines = []
    for base, per_star, share in rules:
        lines.append(
            f"计发标准：书记每月 {base:.0f} 元 + 每星 {per_star:.0f} 元（五星 {base + 5 * per_star:.0f} 元）；"
            f"其他班子成员按书记的 {share * 100:.0f}% 计发。"
        )
    return "\n".join(lines) or "本期无有效星级。"
