"""The statutory public holidays (法定节假日) of the national rules in force, for a year whose
arrangement the State Council has not published or an administrator has not entered yet.

The rules are those of the 《全国年节及纪念日放假办法》 as amended in 2024, in force from 2025:

| holiday | days | from |
|---|---|---|
| 元旦 | 1 | 1 January |
| 春节 | 4 | 除夕 (the eve of the lunar new year) to 初三 |
| 清明 | 1 | the day of the Qingming solar term |
| 劳动节 | 2 | 1 and 2 May |
| 端午 | 1 | the 5th day of the 5th lunar month |
| 中秋 | 1 | the 15th day of the 8th lunar month |
| 国庆节 | 3 | 1 to 3 October |

Only the holidays themselves: the State Council's yearly arrangement adds the weekends it joins them
with and the make-up working days (调休) that pay for them, which no rule predicts. The lunar dates
and the solar term come from lunar-python. Names are those the chinese-calendar package gives, so
that computed and published days read alike.
"""

import datetime as dt

from lunar_python import Lunar, Solar

NEW_YEAR, SPRING_FESTIVAL, QINGMING = "元旦", "春节", "清明"
LABOUR_DAY, DRAGON_BOAT, MID_AUTUMN, NATIONAL_DAY = "劳动节", "端午", "中秋", "国庆节"
SPRING_FESTIVAL_DAYS = 4  # 除夕 to 初三 (three days from 初一 before 2025)


def statutory_holidays(year):
    """{date: name} of the year's statutory days off under the rules above."""
    days = {dt.date(year, 1, 1): NEW_YEAR}
    eve = _lunar_date(year, 1, 1) - dt.timedelta(days=1)
    days |= {eve + dt.timedelta(days=n): SPRING_FESTIVAL for n in range(SPRING_FESTIVAL_DAYS)}
    days[_solar_term(year, "清明")] = QINGMING
    days |= {dt.date(year, 5, 1): LABOUR_DAY, dt.date(year, 5, 2): LABOUR_DAY}
    days[_lunar_date(year, 5, 5)] = DRAGON_BOAT
    # 中秋 can fall on 1–3 October (1 October 2020): that day then counts once, as 国庆节.
    days[_lunar_date(year, 8, 15)] = MID_AUTUMN
    days |= {dt.date(year, 10, d): NATIONAL_DAY for d in (1, 2, 3)}
    return dict(sorted(days.items()))


def _lunar_date(year, month, day):
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _solar_term(year, name):
    # The table of the lunar year around 1 April holds that spring's terms.
    solar = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()[name]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
