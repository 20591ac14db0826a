/* The outbox tab: each report on this phone with its state (waiting, sending, sent, not accepted),
 * its photos' progress, the server's reason, its case once it has one, and for a refused report
 * the worker's choices: send again, edit, discard. */

import { config } from "./config.js";
import { $, button, caseLink, el } from "./dom.js";
import { inFlight, outbox, outboxChanged, pendingPhotos } from "./outbox.js";
import { flush, showNetwork } from "./outbox-sending.js";
import { editAgain } from "./report-form.js";
import { formatTime, t } from "./words.js";

const DISCARD_ASKS_FOR_MS = 5000;

let rendering = Promise.resolve();

// Draws are chained: two at once would interleave their reads of the outbox.
export function renderOutbox() {
  rendering = rendering.then(async () => {
    const records = await outbox.all();
    const list = $("outbox");
    list.replaceChildren(...records.reverse().map(outboxItem));
    if (!records.length) list.append(el("li", { className: "note" }, t("outboxEmpty")));
    const waiting = records.filter((r) => r.state !== "sent" || pendingPhotos(r)).length;
    $("outbox-count").textContent = waiting;
    $("outbox-count").hidden = !waiting;
  });
  return rendering.catch((error) => showNetwork(t("storageError", { reason: error.message })));
}

function outboxItem(record) {
  const state = inFlight.has(record.client_id) ? "sending" : record.state;
  const item = el(
    "li",
    {
      "data-client-id": record.client_id,
      "data-state": state,
      "data-photos-pending": pendingPhotos(record),
      "data-code": record.code || null,
    },
    el(
      "div",
      { className: "line" },
      el("span", { className: "what" }, record.categoryName),
      el("span", { className: "when" }, formatTime(record.created)),
    ),
    el("p", { className: "text" }, record.payload.description),
    el(
      "div",
      { className: "line" },
      el("span", { className: `state state-${state}` }, t(state)),
      record.code ? caseLink(record.code) : null,
    ),
  );
  appendNotes(item, record);
  if (record.duplicates && record.duplicates.length) item.append(duplicateLinks(record.duplicates));
  if (state === "failed") item.append(choicesForRefused(record));
  return item;
}

// Photos' progress, each refused photo's reason, the last attempt's note (with a login link
// when the session has expired).
function appendNotes(item, record) {
  const line = (className, text) => item.append(el("p", { className }, text));
  const photosSent = record.photos.filter((p) => p.state === "sent").length;
  if (record.photos.length) line("progress", t("photos", { sent: photosSent, total: record.photos.length }));
  for (const photo of record.photos.filter((p) => p.state === "failed")) {
    line("reason", t("photoFailed", { reason: photo.reason }));
  }
  if (record.note) line("reason", record.note);
  if (record.note === t("loginAgain")) item.append(el("a", { href: config.loginUrl }, t("logIn")));
}

// Each possible duplicate opens as a case, to be compared with this report.
function duplicateLinks(codes) {
  const links = el("p", { className: "progress duplicates" }, t("duplicates", { codes: "" }));
  codes.forEach((code, index) => {
    if (index) links.append("、");
    links.append(caseLink(code));
  });
  return links;
}

function choicesForRefused(record) {
  return el(
    "div",
    { className: "actions" },
    button(t("retry"), () => retry(record)),
    button(t("edit"), () => editAgain(record)),
    button(t("discard"), (event) => discard(record, event.currentTarget)),
  );
}

async function retry(record) {
  Object.assign(record, { state: "queued", note: "" });
  await outbox.put(record);
  await outboxChanged();
  flush();
}

// Discarding cannot be undone: the first tap asks, in the button itself, and only a second tap
// within a few seconds discards (window.confirm may be blocked, as inside WeChat).
async function discard(record, node) {
  if (node.dataset.armed !== "true") {
    armDiscard(node);
    return;
  }
  await outbox.remove(record.client_id);
  outboxChanged();
}

function armDiscard(node) {
  node.dataset.armed = "true";
  node.classList.add("danger");
  node.textContent = t("confirmDiscard");
  setTimeout(() => {
    node.dataset.armed = "false";
    node.classList.remove("danger");
    node.textContent = t("discard");
  }, DISCARD_ASKS_FOR_MS);
}
