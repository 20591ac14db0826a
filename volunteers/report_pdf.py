"""A work unit's quarterly report as a PDF (双报到 feedback): A4 landscape, in Chinese, addressed to
the unit's Party organisation, with the district's name, the quarter, a table of the members
(paged, its heading repeated on every page), their totals, and the rules they are measured against.

Drawn as govgrid.lib.pdf draws its documents (real text, the CJK font's glyphs embedded). The words
are Chinese whatever the reader's language: the report is a document sent to the unit, as the
posters are (residents.posters).
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone
from fpdf.fonts import FontFace

from govgrid.lib.pdf import FONT, Document, check_fonts

# The table's columns: heading, width (mm; the widths fill the 277 mm between the margins), and
# how a row's figure is written.
COLUMNS = (
    ("序号", 8), ("姓名", 18), ("报到社区", 26), ("报到网格", 30), ("报到日期", 19), ("服务次数", 11),
    ("评价次数", 11), ("平均评分", 11), ("服务时长", 14), ("活动时长", 14), ("更正时长", 14), ("本季时长", 14),
    ("本季积分", 14), ("参加活动", 11), ("本季走访", 18), ("年累计时长", 24), ("年累计活动", 20),
)  # fmt: skip


def _amount(value):
    return f"{Decimal(value):.2f}"


def _met(value, met):
    return f"{value}（{'达标' if met else '未达标'}）"


def _cells(number, row):
    average = "" if row["average_rating"] is None else f"{row['average_rating']:.2f}"
    return (
        str(number),
        row["name"],
        row["community"] or ("未报到" if not row["registered"] else "—"),
        row["grid"] or "",
        row["registered_on"].isoformat() if row["registered_on"] else "",
        str(row["services"]),
        str(row["rated_services"]),
        average,
        _amount(row["service_hours"]),
        _amount(row["activity_hours"]),
        _amount(row["correction_hours"]),
        _amount(row["hours"]),
        _amount(row["points"]),
        str(row["activities"]),
        _met(row["contacts"], row["contacts_met"]),
        _met(_amount(row["year_hours"]), row["hours_met"]),
        _met(row["year_activities"], row["activities_met"]),
    )


def _total_cells(totals):
    return (
        "",
        "合计",
        f"{totals['members']} 人",
        f"已报到 {totals['registered']} 人",
        "",
        str(totals["services"]),
        str(totals["rated_services"]),
        "",
        _amount(totals["service_hours"]),
        _amount(totals["activity_hours"]),
        _amount(totals["correction_hours"]),
        _amount(totals["hours"]),
        _amount(totals["points"]),
        str(totals["activities"]),
        f"{totals['contacts']}（{totals['contacts_met']}人达标）",
        f"{_amount(totals['year_hours'])}（{totals['hours_met']}人达标）",
        f"{totals['year_activities']}（{totals['activities_met']}人达标）",
    )


def _rules_text(report):
    rules = report.rules
    return (
        f"测算依据（{report.unit.district.name}积分规则）：服务或活动每 1 小时积 {_amount(rules.points_per_hour)} 分；"
        f"每次获居民评价的服务另积 {_amount(rules.points_per_rated_service)} 分；"
        f"全年服务时长不少于 {_amount(rules.min_hours_a_year)} 小时；"
        f"全年参加活动不少于 {rules.min_activities_a_year} 次；"
        f"每季度走访联系群众不少于 {rules.min_contacts_a_quarter} 次。"
        "时长与积分均为台账记录之和（含更正）；年累计为当年 1 月 1 日至本季度末。"
    )


def report_pdf(report, made_on=None):
    """The report (volunteers.reports.Report) as PDF bytes."""
    check_fonts("reports")
    unit, quarter = report.unit, report.quarter
    made_on = made_on or timezone.localdate()
    title = f"{unit.district.name}在职党员“双报到”情况反馈表"
    period = f"{quarter.year}年第{quarter.number}季度（{quarter.since:%Y-%m-%d} 至 {quarter.last_day:%Y-%m-%d}）"
    pdf = Document(f"{unit.name} · {quarter.year}年第{quarter.number}季度")
    pdf.open_with_heading(title, f"{title} {unit.name} {quarter.slug}", 16)
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 7, f"致：{unit.party_org or unit.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(
        0, 5.5,
        f"现将贵单位在职党员本季度到居住地社区报到服务情况反馈如下。单位：{unit.name}；统计期间：{period}。",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(2)
    pdf.set_font(FONT, "", 7.5)
    with pdf.columns_table(COLUMNS, text_align="CENTER", line_height=4) as table:
        table.row([heading for heading, _width in COLUMNS])
        for number, row in enumerate(report.rows, start=1):
            table.row(_cells(number, row))
        table.row(_total_cells(report.totals), style=FontFace(emphasis="BOLD"))
    pdf.ln(3)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(0, 5, _rules_text(report), new_x="LMARGIN", new_y="NEXT")
    if not report.rows:
        pdf.multi_cell(0, 5, "本季度无在职党员记录。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.cell(0, 5, f"{unit.district.name}网格化服务管理平台　{_date(made_on)}", align="R")
    return bytes(pdf.output())


def _date(day: date):
    return f"{day.year}年{day.month}月{day.day}日"
