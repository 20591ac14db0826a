/* One case, opened from "my cases", from the outbox or from a possible duplicate's link: its status,
 * facts and timeline. The address says which case is open (#case=CODE), so the back button and a
 * reload keep it. With no network it shows the copy kept on the phone, or what the outbox knows. */

import { caseItem, countChanged, kept, keepOpenedCase } from "./cases.js";
import { config } from "./config.js";
import { $, el } from "./dom.js";
import { outbox } from "./outbox.js";
import { readJson, reasonOf, request } from "./server.js";
import { selectTab, showPanel } from "./tabs.js";
import { formatTime, statusText, t } from "./words.js";

const CASE_TIMEOUT_MS = 30000;

async function openCase(code) {
  showPanel("case");
  const copy = kept[code];
  const record = (await outbox.all()).find((r) => r.code === code);
  renderCase(code, copy, record);
  if (!navigator.onLine) {
    $("case-note").textContent = offlineNote(copy, record);
    return;
  }
  try {
    const url = `${config.urls.incidents}${encodeURIComponent(code)}/`;
    const [answer, events] = await Promise.all([request(url, {}, CASE_TIMEOUT_MS), request(`${url}timeline/`, {}, CASE_TIMEOUT_MS)]);
    const [incident, timeline] = await Promise.all([readJson(answer), readJson(events)]);
    if (!answer.ok || !events.ok) {
      $("case-note").textContent = t("casesError", { reason: reasonOf(answer.ok ? events : answer, answer.ok ? timeline : incident) });
      return;
    }
    renderCase(code, keepOpenedCase(code, incident, timeline), record);
    const listed = $("cases").querySelector(`li[data-code="${CSS.escape(code)}"]`);
    if (listed) listed.replaceWith(caseItem(incident));
    countChanged();
  } catch (error) {
    $("case-note").textContent = navigator.onLine ? t("casesError", { reason: error.message }) : t("casesOffline");
  }
}

function offlineNote(copy, record) {
  if (copy) return t("caseOffline", { time: formatTime(copy.at) });
  return record ? t("caseFromOutbox") : t("casesOffline");
}

// copy: the case as last read ({incident, timeline, at}); record: the outbox's report that made
// it, if it was sent from this phone. Either may be missing.
function renderCase(code, copy, record) {
  const incident = copy && copy.incident;
  $("case-code").textContent = code;
  $("case-note").textContent = "";
  const state = $("case-state");
  state.className = incident ? `state status-${incident.status}` : "state state-sent";
  state.textContent = incident ? statusText(incident) : record ? t("sent") : "";
  $("case-facts").replaceChildren(...caseFacts(incident, record));
  const events = (copy && copy.timeline) || [];
  $("case-timeline").replaceChildren(...events.map(timelineItem));
}

function caseFacts(incident, record) {
  const facts = [];
  const fact = (label, value) => value && facts.push(el("dt", {}, t(label)), el("dd", {}, value));
  if (incident) {
    fact("category", incident.category.name);
    fact("level", config.levels[incident.level] || incident.level);
    fact("grid", incident.grid ? incident.grid.name : "");
    fact("receivedAt", formatTime(incident.received_at));
    fact("dueAt", formatTime(incident.due_at));
    fact("description", incident.description);
  } else if (record) {
    fact("category", record.categoryName);
    fact("reportedAt", formatTime(record.created));
    fact("description", record.payload.description);
  }
  return facts;
}

function timelineItem(event) {
  const labels = event.labels || {};
  const parts = [
    `${labels.action || event.action}`,
    `${labels.from_status || "—"} → ${labels.to_status || event.to_status}`,
    `${labels.from_level || "—"} → ${labels.to_level || event.to_level}`,
    event.actor || t("automatic"),
    event.reason,
    event.note,
  ].filter(Boolean);
  return el("li", { "data-action": event.action }, el("time", {}, formatTime(event.at)), " ", parts.join(" · "));
}

export function showCaseFromAddress() {
  const match = window.location.hash.match(/^#case=(.+)$/);
  if (match) openCase(decodeURIComponent(match[1]));
  else if (!$("panel-case").hidden) selectTab("cases");
}

export function wireCaseView() {
  window.addEventListener("hashchange", showCaseFromAddress);
  $("case-back").addEventListener("click", () => {
    if (window.location.hash) history.pushState(null, "", window.location.pathname + window.location.search);
    selectTab("cases");
  });
}
