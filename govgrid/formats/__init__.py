"""Date and time formats of govgrid's pages (settings.FORMAT_MODULE_PATH): one Chinese convention,
2026-12-06 18:27 and 2026-12-06, in both languages, so a time reads the same on every page, in
either language, and sorts as it reads. Client-rendered times follow it too
(incidents/static/incidents/dates.js)."""
