/* The decisions of the Party group leader's situation analyses (民情研判) of the last months, each
 * with two buttons: make a case of it in the grid, or a service request for someone it decided to
 * help (the API's /party-meetings/<id>/findings/ and /requests/). As a problem found on a visit
 * (visits.js), what the leader sends is kept on the phone with its client_id, made when tapped, and
 * sent until the server has it (actions.js): sent again, it is the same case or request. What the
 * decisions became is shown under them: the case codes and the requests' tracking codes, read from
 * the server, and what still waits on the phone. Shown only to those who lead a grid's Party group. */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { newClientId } from "../../incidents/phone/idb.js";
import { t, todayInSite as today } from "../../incidents/phone/words.js";
import { keep, waiting } from "./actions.js";
import { readOrKept, redraw } from "./lists.js";
import { items as categoryItems } from "./visits.js";

const RECENT_DAYS = 92; // the analyses of about the last three months
const DESCRIPTION_MAX = 2000; // the API's length of a case's or a request's description

function daysBefore(day, days) {
  const moment = new Date(`${day}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() - days);
  return moment.toISOString().slice(0, 10);
}

export async function loadDecisions() {
  if (!config.leads.length) return;
  $("decisions-section").hidden = false;
  const note = $("decisions-note");
  note.textContent = "";
  // One grid led (the usual case): only its meetings are read, not every meeting in the user's areas.
  const within = config.leads.length === 1 ? `&within=${config.leads[0].code}` : "";
  const url = `${config.urls.meetings}?kind=analysis&since=${daysBefore(today(), RECENT_DAYS)}${within}`;
  const [meetings, categories] = await Promise.all([
    readOrKept("decisions", url, note),
    readOrKept("categories", config.urls.categories, note),
  ]);
  const led = new Map(config.leads.map((grid) => [grid.code, grid]));
  const shown = (meetings || []).filter((meeting) => led.has(meeting.area) && meeting.decisions.trim());
  const kept = await waiting();
  if (meetings && !shown.length) note.textContent = t("decisionsNone");
  redraw($("decisions"), shown.map((meeting) => meetingItem(meeting, led.get(meeting.area), categoryItems(categories),
    kept.filter((action) => action.meeting === meeting.id))), "data-meeting");
}

function field(label, input) {
  return el("label", { className: "wide" }, label, input);
}

function select(name, options, first) {
  return el("select", { name }, ...(first ? [el("option", { value: "" }, first)] : []),
    ...options.map(([value, label]) => el("option", { value }, label)));
}

// A button that opens its form under the decision (one form open at a time).
function opener(text, form, others) {
  const node = el("button", { type: "button", className: "secondary", "aria-expanded": "false" }, text);
  node.addEventListener("click", () => {
    const opening = form.hidden;
    for (const other of others()) other.hidden = true;
    form.hidden = !opening;
    node.setAttribute("aria-expanded", String(opening));
  });
  return node;
}

function caseForm(meeting, categories) {
  return el("form", { className: "visit-form decision-case", novalidate: true, hidden: true },
    field(t("caseCategory"), select("category", categories.map((item) => [item.code, `${item.code} ${item.name}`]), "—")),
    field(t("caseWhat"), el("textarea", { name: "description", maxlength: String(DESCRIPTION_MAX), rows: "2" },
      meeting.decisions.slice(0, DESCRIPTION_MAX))),
    el("button", { type: "submit", className: "act" }, t("sendDecision")));
}

function requestForm(meeting, grid) {
  const kinds = grid.kinds.map((key) => [key, config.kinds[key] || key]);
  return el("form", { className: "visit-form decision-request", novalidate: true, hidden: true },
    field(t("serviceKind"), select("kind", kinds, "—")),
    field(t("forWhomLabel"), select("for_whom", Object.entries(config.forWhom))),
    field(t("requestWhat"), el("textarea", { name: "description", maxlength: String(DESCRIPTION_MAX), rows: "2" },
      meeting.decisions.slice(0, DESCRIPTION_MAX))),
    field(t("requestPlace"), el("input", { type: "text", name: "place", maxlength: "200" })),
    field(t("requestContact"), el("input", { type: "text", name: "contact_name", maxlength: "50" })),
    field(t("requestPhone"), el("input", { type: "tel", name: "contact_phone", maxlength: "20", inputmode: "tel" })),
    el("button", { type: "submit", className: "act" }, t("sendDecision")));
}

function madeLine(label, codes, className) {
  return codes.length ? el("p", { className: `made ${className}` }, `${label}: `, ...codes.flatMap((code, i) =>
    [i ? ", " : "", el("strong", { className: "code" }, code)])) : null;
}

function meetingItem(meeting, grid, categories, kept) {
  const asCase = caseForm(meeting, categories);
  const asRequest = requestForm(meeting, grid);
  const forms = () => [asCase, asRequest];
  asCase.addEventListener("submit", (event) => {
    event.preventDefault();
    send(meeting, asCase, "case");
  });
  asRequest.addEventListener("submit", (event) => {
    event.preventDefault();
    send(meeting, asRequest, "request");
  });
  const waitingLines = kept.map((action) => el("p", { className: "made waiting", "data-key": action.key },
    `${action.label} · ${t("waiting")}`));
  return el("li", { "data-meeting": String(meeting.id) },
    el("span", { className: "what" }, `${meeting.held_on} · ${meeting.area_name}${meeting.topic ? ` · ${meeting.topic}` : ""}`),
    el("p", { className: "decisions-text" }, meeting.decisions),
    madeLine(t("madeCases"), meeting.cases, "cases"),
    madeLine(t("madeRequests"), meeting.requests || [], "requests"),
    ...waitingLines,
    el("span", { className: "decision-buttons" },
      opener(t("makeCase"), asCase, forms), opener(t("makeRequest"), asRequest, forms)),
    asCase, asRequest);
}

// The decision kept in the outbox with the client_id made now, once per tap on "send": the form is
// closed and emptied at once, so a second tap cannot make a second case.
async function send(meeting, form, what) {
  const note = $("decisions-note");
  const description = form.elements.description.value.trim();
  if (what === "case" && !form.elements.category.value) return (note.textContent = t("chooseCategory"));
  if (what === "request" && !form.elements.kind.value) return (note.textContent = t("chooseKind"));
  if (!description) return (note.textContent = t("needWhat"));
  const body = what === "case"
    ? { client_id: newClientId(), category: form.elements.category.value, description }
    : { client_id: newClientId(), kind: form.elements.kind.value, for_whom: form.elements.for_whom.value, description,
        place: form.elements.place.value.trim(), contact_name: form.elements.contact_name.value.trim(),
        contact_phone: form.elements.contact_phone.value.trim() };
  form.hidden = true;
  form.reset();
  const url = (what === "case" ? config.urls.meetingFindings : config.urls.meetingRequests).replace("{id}", String(meeting.id));
  await keep({ url, body, meeting: meeting.id, code: meeting.area_name, label: t(what === "case" ? "makeCase" : "makeRequest"),
    sentLabel: what === "case" ? "caseSent" : "requestSent", answerCode: what === "case" ? "case.code" : "request" });
  await loadDecisions(); // what waits shows under the decision
  note.textContent = t("decisionKept");
}
