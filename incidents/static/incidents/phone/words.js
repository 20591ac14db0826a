/* The page's words and times, in the worker's language (the labels come from
 * incidents.views.phone_labels, the statuses from incidents/words.py). */

import { config } from "./config.js";

// "Photos %(sent)s/%(total)s" with {sent: 1, total: 2}: the server's gettext placeholders, so one
// msgid serves both the server's pages and this script.
export function t(key, params) {
  return (config.labels[key] || key).replace(/%\((\w+)\)s/g, (_, name) => (params && name in params ? String(params[name]) : ""));
}

export function statusText(incident) {
  return incident.status_label || config.statuses[incident.status] || incident.status;
}

// Times in govgrid's one convention (2026-12-06 18:27), in the site's time zone whatever the
// phone's own (dates.js, loaded before the modules as a classic script).
export function formatTime(value) {
  return window.govgridDates.dateTime(value, config.timeZone);
}

// Today's date in the site's time zone (YYYY-MM-DD), whatever the phone's own: the default of a date field.
export function todayInSite() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: config.timeZone }).format(new Date());
}
