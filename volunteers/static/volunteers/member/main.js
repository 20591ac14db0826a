/* govgrid member page (/v/): Party members and volunteers claim residents' requests, record them
 * done, and keep working with no network. This entry module wires the parts and starts them:
 *
 *   actions.js   what the member did, kept on the phone (IndexedDB) and sent until the server has it
 *   serve.js     requests to claim, and the member's tasks
 *   visits.js    the weekly household visits: the weeks due, recording one (and a problem found)
 *   meetings.js  the Party group leader's meeting: a situation analysis or a training, who attended
 *   decisions.js the decisions of the leader's analyses made a case or a service request
 *   activities.js  activities coming up: sign up, and check in on site with the organiser's code
 *   points.js    the member's hours and points, from the ledger
 *
 * with the phone page's small modules (incidents/phone/: config, dom, server, words, kept, idb, tabs,
 * logout). The service worker that keeps the page is /v/sw.js (volunteers.member_page). */

import { config } from "../../incidents/phone/config.js";
import { $ } from "../../incidents/phone/dom.js";
import { wireLogout } from "../../incidents/phone/logout.js";
import { isShown, whenShown, wireTabs } from "../../incidents/phone/tabs.js";
import { onSent, render, send } from "./actions.js";
import { loadActivities } from "./activities.js";
import { loadDecisions } from "./decisions.js";
import { wireMeetings } from "./meetings.js";
import { loadPoints } from "./points.js";
import { load } from "./serve.js";
import { loadVisits } from "./visits.js";

const RETRY_SECONDS = 20;

function showNetwork() {
  if (!navigator.onLine) $("network-state").textContent = config.labels.offline.replace("%(time)s", "…");
}

function reloadShown() {
  for (const which of ["offered", "tasks"]) if (isShown(which)) load(which);
}

function start() {
  whenShown("offered", () => load("offered"));
  whenShown("tasks", () => load("tasks"));
  whenShown("visits", () => {
    loadVisits();
    loadDecisions();
  });
  whenShown("activities", loadActivities);
  whenShown("points", loadPoints);
  whenShown("pending", () => render());
  wireTabs();
  wireLogout();
  wireMeetings();
  onSent(() => {
    load("offered");
    load("tasks");
    if (isShown("visits")) {
      loadVisits();
      loadDecisions();
    }
  });
  showNetwork();
  load("offered");
  load("tasks");
  loadVisits();
  render().then(send);
  window.addEventListener("online", () => {
    $("network-state").textContent = "";
    send();
    reloadShown();
  });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && send());
  setInterval(send, RETRY_SECONDS * 1000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(config.serviceWorker, { scope: config.page }).catch(() => {});
}

start();
