/* Talking to govgrid's API: every request with the session's cookie, Django's CSRF token on
 * writes, and a time limit (a phone on a weak network may otherwise wait for ever). */

import { t } from "./words.js";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

export async function request(url, options, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (options.method && options.method !== "GET") headers["X-CSRFToken"] = csrfToken();
  try {
    return await fetch(url, { credentials: "same-origin", ...options, headers, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

// The answer's JSON, or {} when it has none (a proxy's error page, a cut connection).
export async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

export const reasonOf = (response, body) => (body && body.detail) || t("httpError", { status: response.status });

// Refused for good: the same request would be refused again. 401 is not one: after logging in
// again the same report goes through.
export const isRefusal = (status) => status >= 400 && status < 500 && ![401, 408, 429].includes(status);

export const isAcknowledged = (status) => status === 200 || status === 201;
