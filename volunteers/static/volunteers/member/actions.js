/* What the member does (claim, record done, give back…), kept on the phone first, in IndexedDB, and
 * sent until the server has it. Each action is a POST to one URL with one body, safe to send again:
 * a claim by its holder, a service already recorded done, a record with its client_id, each answers
 * as done the second time. An action refused for good (someone else claimed it first) is kept with
 * the server's reason until the member has read it. */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { keptIn, newClientId, openDatabase } from "../../incidents/phone/idb.js";
import { isAcknowledged, isRefusal, readJson, reasonOf, request } from "../../incidents/phone/server.js";
import { t } from "../../incidents/phone/words.js";

const TIMEOUT_MS = 30000;
const PHOTO_TIMEOUT_MS = 120000;

// JSON, or a form with the action's photos (Blobs kept in IndexedDB with it) beside its fields.
function bodyOf(action) {
  if (!action.files || !action.files.length) {
    return { body: JSON.stringify(action.body), headers: { "Content-Type": "application/json" } };
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(action.body)) form.append(name, String(value));
  for (const file of action.files) form.append("photo", file.blob, file.name);
  return { body: form };
}
const actions = keptIn(openDatabase("govgrid-member", 1, { actions: "key" }), "actions", "key");

let sending = null;
const listeners = [];

// Something to do when an action has been sent (the lists read again).
export function onSent(listener) {
  listeners.push(listener);
}

// Keeps an action ({url, body, label, code}, and what else the page reads back from it: the
// meeting of a decision, say) and starts sending; resolves once it is kept.
export async function keep(action) {
  await actions.put({ key: newClientId(), user: config.user, state: "queued", note: "", created: Date.now(), ...action });
  await render();
  send();
}

async function keepNext(next, answer) {
  const url = next.url.replace("{id}", encodeURIComponent(answer.id));
  await actions.put({ key: newClientId(), user: config.user, state: "queued", note: "", created: Date.now(), ...next, url });
}

export const waiting = async () => (await actions.all()).filter((a) => a.state === "queued");

// Sends what waits, in order; stops at the first trouble of the network (tried again when the phone
// is online again, and every few seconds: main.js).
export function send() {
  sending = sending || sendAll().finally(() => (sending = null));
  return sending;
}

async function sendAll() {
  if (!navigator.onLine) return;
  let sent = false;
  for (const action of await actions.all()) {
    if (action.state !== "queued") continue;
    const outcome = await sendOne(action);
    if (outcome === "stop") break;
    sent = true;
    if (outcome === "done") await actions.remove(action.key);
    else await actions.put(action);
  }
  await render();
  if (sent) for (const listener of listeners) listener();
}

// What the "sent" line names: the answer's own code where the action says where it is (`answerCode`,
// a path such as "case.code": the case a problem became), else the action's.
function answered(action, answer) {
  const found = (action.answerCode || "").split(".").reduce((part, name) => (part && name ? part[name] : part), answer);
  return action.answerCode && found ? found : action.code;
}

// "done", "refused" (kept with the server's reason) or "stop" (no network, server trouble).
async function sendOne(action) {
  try {
    const response = await request(action.url, { method: "POST", ...bodyOf(action) }, action.files ? PHOTO_TIMEOUT_MS : TIMEOUT_MS);
    const answer = await readJson(response);
    if (isAcknowledged(response.status)) {
      $("network-state").textContent = t(action.sentLabel || "doneSent", { code: answered(action, answer) });
      // What follows from it once the server has it: a problem found on a visit becomes a case of
      // the visit the server numbered (its id known only now).
      if (action.then) await keepNext(action.then, answer);
      return "done";
    }
    action.note = reasonOf(response, answer);
    if (isRefusal(response.status)) {
      action.state = "refused";
      return "refused";
    }
    return "stop";
  } catch (error) {
    action.note = error.message;
    return "stop";
  }
}

// The "to send" tab: what waits, and what was refused with the reason (tap to forget it).
export async function render() {
  const all = await actions.all();
  const queued = all.filter((a) => a.state === "queued").length;
  $("pending-count").textContent = String(all.length);
  $("pending-count").hidden = !all.length;
  const items = all.map((action) => {
    const state = action.state === "refused" ? t("refused", { reason: action.note }) : t("waiting");
    const line = el("li", { "data-key": action.key, "data-state": action.state }, el("strong", {}, `${action.code} · ${action.label}`),
      el("span", { className: action.state === "refused" ? "state refused" : "state" }, state));
    if (action.state === "refused") {
      const forget = el("button", { type: "button", className: "secondary" }, "✕");
      forget.addEventListener("click", async () => {
        await actions.remove(action.key);
        await render();
      });
      line.append(forget);
    }
    return line;
  });
  $("pending").replaceChildren(...(items.length ? items : [el("li", { className: "note" }, t("pendingNone"))]));
  return queued;
}
