/* 接单 and 我的任务: the requests offered to the member, to claim, and those they hold, to record done
 * or give back. Each list is read from the server when shown and kept on the phone (without the
 * residents' contacts), so with no network the member still sees what they had; what they do is
 * kept and sent by actions.js. A request whose action waits on the phone is marked and not offered
 * again. */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { shrink } from "../../incidents/phone/photos.js";
import { formatTime, t } from "../../incidents/phone/words.js";
import { keep, waiting } from "./actions.js";
import { readOrKept, redraw } from "./lists.js";

// Reads one list ("offered" or "tasks") and draws it; from the phone's copy with no network.
export async function load(which) {
  const note = $(`${which}-note`);
  note.textContent = "";
  // kept without the residents' contacts: the phone may be lost, or shared
  const keepWithout = (body) => body.map(({ contact, ...rest }) => rest);
  const rows = (await readOrKept(which, config.urls[which], note, keepWithout)) || [];
  if (navigator.onLine && !note.textContent && !rows.length) note.textContent = t(`${which}None`);
  await draw(which, rows);
}

async function draw(which, rows) {
  const busy = new Set((await waiting()).map((action) => action.code));
  const open = which === "tasks" ? rows.filter((row) => row.status === "claimed") : rows;
  $(`${which}-count`).textContent = String(open.length);
  $(`${which}-count`).hidden = !open.length;
  redraw($(which), rows.map((row) => item(which, row, busy.has(row.tracking_code))), "data-code");
}

function describe(row) {
  const parts = [row.grid_name || row.community_name, `${t("forWhom")} ${row.for_whom_label}`];
  if (row.wanted_from) parts.push(`${t("wanted")} ${formatTime(row.wanted_from)}`);
  if (row.place) parts.push(row.place);
  return parts.join(" · ");
}

function item(which, row, busy) {
  const line = el("li", { "data-code": row.tracking_code, "data-status": row.status },
    el("span", { className: "what" }, `${row.kind_label} · ${row.tracking_code}`),
    el("span", {}, row.description),
    el("span", { className: "meta" }, describe(row)));
  if (row.contact && row.contact.shown && row.contact.phone) {
    line.append(el("span", { className: "meta" }, `${t("contact")}: ${row.contact.name || ""} `, el("a", { href: `tel:${row.contact.phone}` }, row.contact.phone)));
  }
  if (busy) line.append(el("span", { className: "state" }, t("waiting")));
  else if (which === "offered") line.append(claimButton(row));
  else if (row.status === "claimed") line.append(doneForm(row), giveBackForm(row));
  else line.append(el("span", { className: "state" }, row.status_label));
  return line;
}

const urlOf = (row, action) => `${config.urls.requests}${encodeURIComponent(row.tracking_code)}/${action}/`;

function claimButton(row) {
  const claim = el("button", { type: "button", className: "act", "data-claim": row.tracking_code }, t("claim"));
  claim.addEventListener("click", async () => {
    claim.disabled = true;
    await keep({ url: urlOf(row, "claim"), body: {}, code: row.tracking_code, label: t("claim"), sentLabel: "claimed" });
    if (!navigator.onLine) $("network-state").textContent = t("claimKept", { code: row.tracking_code });
    await load("offered");
  });
  return claim;
}

function field(label, attributes) {
  return el("label", {}, label, el("input", attributes));
}

function doneForm(row) {
  const form = el("form", { className: "done-form", novalidate: true },
    field(t("minutes"), { type: "number", name: "minutes", min: "1", max: "1440", inputmode: "numeric", required: true }),
    field(t("whatDone"), { type: "text", name: "note", maxlength: "1000" }),
    el("label", { className: "photo-button" }, t("donePhoto"),
      el("input", { type: "file", name: "photo", accept: "image/*", capture: "environment" })),
    el("button", { type: "submit", className: "act" }, t("done")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const minutes = Number(form.elements.minutes.value);
    if (!minutes || minutes < 1) {
      $("tasks-note").textContent = t("needMinutes");
      return;
    }
    const chosen = form.elements.photo.files[0];
    const files = chosen ? [{ name: chosen.name || "done.jpg", blob: await shrink(chosen) }] : [];
    await keep({ url: urlOf(row, "done"), body: { minutes, note: form.elements.note.value.trim() }, files, code: row.tracking_code,
      label: t("done"), sentLabel: "doneSent" });
    if (!navigator.onLine) $("network-state").textContent = t("doneKept", { code: row.tracking_code });
    await load("tasks");
  });
  return form;
}

function giveBackForm(row) {
  const form = el("form", { className: "give-back-form", novalidate: true },
    field(t("reason"), { type: "text", name: "reason", maxlength: "500" }),
    el("button", { type: "submit", className: "secondary" }, t("giveBack")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      $("tasks-note").textContent = t("needReason");
      return;
    }
    await keep({ url: urlOf(row, "give-back"), body: { reason }, code: row.tracking_code, label: t("giveBack"), sentLabel: "giveBackSent" });
    await load("tasks");
  });
  return form;
}
