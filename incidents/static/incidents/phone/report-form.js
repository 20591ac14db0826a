/* The report form: category, description, photos and the pin make a report. Sending it puts it in
 * the outbox first, with a new client_id; from there nothing the network does can lose it. A report
 * the server refused comes back here to be corrected and sent as a new one. */

import { chooseCategory, chosenCategory } from "./categories.js";
import { config } from "./config.js";
import { $ } from "./dom.js";
import { followPhoneAgain, placePinAt, reportedPosition } from "./location.js";
import { newClientId, outbox, outboxChanged } from "./outbox.js";
import { flush } from "./outbox-sending.js";
import { addPhotos, photosToSend, renderThumbs, replacePhotos } from "./photos.js";
import { selectTab } from "./tabs.js";
import { t } from "./words.js";

function showFormError(message) {
  $("form-error").textContent = message;
  $("form-error").hidden = !message;
}

// What the worker must still do before the report can go, or null.
function missing(position, category, description) {
  if (!position) return "needLocation";
  if (!category) return "needCategory";
  if (!description) return "needDescription";
  return null;
}

// A new outbox record. Its payload is stored as sent, so that every retry carries exactly the
// same report (the same client_id above all).
function newRecord(position, category, description) {
  const clientId = newClientId();
  return {
    client_id: clientId,
    user: config.user,
    created: Date.now(),
    state: "queued",
    note: "",
    code: "",
    duplicates: [],
    categoryName: category.name,
    payload: {
      client_id: clientId,
      category: category.code,
      description,
      ...position,
      reported_at: new Date().toISOString(),
    },
    photos: photosToSend(),
  };
}

async function send(event) {
  event.preventDefault();
  const description = $("description").value.trim();
  const category = chosenCategory();
  const position = reportedPosition();
  const problem = missing(position, category, description);
  if (problem) {
    showFormError(t(problem));
    return;
  }
  showFormError("");
  const record = newRecord(position, category, description);
  $("send").disabled = true;
  try {
    await outbox.put(record); // kept first: from here on, nothing the network does can lose it
  } catch (error) {
    showFormError(t("storageError", { reason: error.message }));
    return;
  } finally {
    $("send").disabled = false;
  }
  resetForm();
  selectTab("outbox");
  await outboxChanged();
  flush();
}

function resetForm() {
  $("description").value = "";
  replacePhotos([]);
  followPhoneAgain();
}

// A refused report made no case: put it back in the form, to be corrected and sent anew.
export async function editAgain(record) {
  await outbox.remove(record.client_id);
  chooseCategory(record.payload.category);
  $("description").value = record.payload.description;
  replacePhotos(record.photos);
  placePinAt(record.payload.lat, record.payload.lon);
  outboxChanged();
  selectTab("report");
}

async function pickPhotos(event) {
  const input = event.target;
  showFormError("");
  await addPhotos(input.files, (name) => showFormError(t("photoTooLarge", { name })));
  input.value = "";
  renderThumbs();
}

export function wireReportForm() {
  $("photo-input").addEventListener("change", pickPhotos);
  $("report-form").addEventListener("submit", send);
}
