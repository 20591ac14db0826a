/* govgrid phone page (/m/): a grid worker reports what they find on the spot, even with no network.
 * This is the page's entry module: it wires each part of the page, then starts it. Each part is a
 * module of its own, by what it does:
 *
 *   outbox.js          the reports kept on the phone until the server has them (IndexedDB, client_id)
 *   outbox-sending.js  sending them, with the same client_id until acknowledged
 *   outbox-list.js     the outbox tab
 *   report-form.js     the report form; categories.js, photos.js and location.js (with map.js) fill it
 *   cases.js           "my cases"; case-view.js one case with its timeline
 *   verify.js          "to verify": the after photo on site, then confirm or send back, kept on the
 *                      phone until sent (outbox.js); the unread count
 *   tabs.js, logout.js, and below them config.js, words.js, dom.js, server.js, kept.js
 *
 * The service worker that keeps the page for use with no network is phone.js (one folder up). */

import { wireCaseView, showCaseFromAddress } from "./case-view.js";
import { wireCases } from "./cases.js";
import { loadCategories, wireCategories } from "./categories.js";
import { config } from "./config.js";
import { describeLocation, frame, startLocating, wireLocation } from "./location.js";
import { wireLogout } from "./logout.js";
import { loadGrids } from "./map.js";
import { forgetOldSentReports, onOutboxChange } from "./outbox.js";
import { renderOutbox } from "./outbox-list.js";
import { flush, RETRY_SECONDS, showNetwork } from "./outbox-sending.js";
import { wireReportForm } from "./report-form.js";
import { wireTabs } from "./tabs.js";
import { loadToVerify, refreshUnread, sendVerifications, wireVerify } from "./verify.js";
import { t } from "./words.js";

function wire() {
  onOutboxChange(renderOutbox);
  wireLocation();
  wireCategories();
  wireReportForm();
  wireCases();
  wireCaseView();
  wireVerify();
  wireTabs();
  wireLogout();
}

function start() {
  describeLocation();
  showNetwork();
  loadGrids(() => {
    frame();
    describeLocation();
  });
  loadCategories();
  startLocating();
  forgetOldSentReports()
    .then(renderOutbox)
    .then(flush)
    .catch((error) => showNetwork(t("storageError", { reason: error.message })));
  window.addEventListener("online", flush);
  showCaseFromAddress();
  loadToVerify();
  refreshUnread();
  window.addEventListener("offline", () => showNetwork());
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && flush());
  setInterval(flush, RETRY_SECONDS * 1000);
  sendVerifications();
  setInterval(sendVerifications, RETRY_SECONDS * 1000);
  keepForOffline();
}

// The service worker (phone.js, served as /m/sw.js) keeps the page and the files the server lists
// for it, these modules among them.
function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(config.serviceWorker, { scope: config.page }).catch(() => {});
}

wire();
start();
