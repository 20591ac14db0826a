/* 积分: the member's hours and points, the sums of their ledger rows, with the rows themselves (the
 * server's ledger is the only record; the phone keeps the last copy it read). */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { readKept, writeKept } from "../../incidents/phone/kept.js";
import { readJson, reasonOf, request } from "../../incidents/phone/server.js";
import { formatTime, t } from "../../incidents/phone/words.js";

const TIMEOUT_MS = 30000;

export async function loadPoints() {
  const note = $("points-note");
  note.textContent = "";
  let body = null;
  if (navigator.onLine) {
    try {
      const response = await request(config.urls.ledger, {}, TIMEOUT_MS);
      const answer = await readJson(response);
      if (response.ok) {
        body = answer;
        writeKept("points", { body, at: Date.now() });
      } else note.textContent = t("loadError", { reason: reasonOf(response, answer) });
    } catch (error) {
      note.textContent = t("loadError", { reason: error.message });
    }
  }
  if (body === null) {
    const kept = readKept("points");
    body = kept.body || { rows: [], totals: {} };
    if (!navigator.onLine) note.textContent = t("offline", { time: kept.at ? formatTime(new Date(kept.at).toISOString()) : "—" });
  }
  const totals = body.totals || {};
  $("points-totals").replaceChildren(
    el("div", {}, el("strong", { id: "points-hours" }, String(totals.hours ?? "0")), el("span", {}, t("hoursTotal"))),
    el("div", {}, el("strong", { id: "points-points" }, String(totals.points ?? "0")), el("span", {}, t("pointsTotal"))),
    el("div", {}, el("strong", {}, String(totals.services ?? 0)), el("span", {}, t("servicesTotal"))),
    el("div", {}, el("strong", {}, String(totals.activities ?? 0)), el("span", {}, t("activitiesTotal"))),
  );
  $("points").replaceChildren(...(body.rows || []).slice(0, 100).map((row) => el("li", {},
    el("span", { className: "what" }, `${row.on} · ${row.kind_label}`),
    el("span", { className: "meta" }, [row.request || row.activity || row.note, row.community].filter(Boolean).join(" · ")),
    el("span", { className: "meta" }, t("hoursPoints", { hours: row.hours, points: row.points })))));
}
