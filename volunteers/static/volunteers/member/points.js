/* 积分: the member's hours and points, the sums of their ledger rows, with the rows themselves (the
 * server's ledger is the only record; the phone keeps the last copy it read). */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { t } from "../../incidents/phone/words.js";
import { readOrKept } from "./lists.js";

export async function loadPoints() {
  const note = $("points-note");
  note.textContent = "";
  const body = (await readOrKept("points", config.urls.ledger, note)) || { rows: [], totals: {} };
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
