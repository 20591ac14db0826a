/* govgrid's one convention for dates and times that the browser writes itself, the same as the
 * server's (govgrid/formats): 2026-12-06 18:27 for a moment, 2026-12-06 for a day, in the site's
 * time zone whatever the phone's own zone and language, so that a time reads the same on the phone,
 * on the dispatch pages and in exports. Used as govgridDates.dateTime(value, timeZone). */
(function (global) {
  "use strict";

  const formatters = {};

  function parts(value, timeZone) {
    const key = timeZone || "";
    if (!formatters[key]) {
      formatters[key] = new Intl.DateTimeFormat("en-GB", {
        timeZone: timeZone || undefined,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      });
    }
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return null;
    const found = {};
    for (const part of formatters[key].formatToParts(date)) found[part.type] = part.value;
    return found;
  }

  function date(value, timeZone) {
    const p = parts(value, timeZone);
    return p ? `${p.year}-${p.month}-${p.day}` : "—";
  }

  function dateTime(value, timeZone) {
    const p = parts(value, timeZone);
    return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : "—";
  }

  global.govgridDates = { date, dateTime };
})(typeof window !== "undefined" ? window : self);
