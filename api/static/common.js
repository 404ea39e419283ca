"use strict";
/* Shared helpers of the pages: escaping, highlighting, result cards, API calls. */

function escapeHtml(text) {
  const div = document.createElement("div");
  div.textContent = text == null ? "" : String(text);
  return div.innerHTML;
}

function highlight(text, terms) {
  let html = escapeHtml(text);
  for (const term of terms || []) {
    const safe = escapeHtml(term).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (!safe) continue;
    const whole = new RegExp("(?<![\\p{L}\\p{N}])(" + safe + ")(?![\\p{L}\\p{N}])", "giu");
    html = html.replace(whole, "<mark>$1</mark>");
  }
  return html;
}

function entityLink(id, name) {
  return `<a href="/entities/${encodeURIComponent(id)}">${escapeHtml(name)}</a>`;
}

function card(result, extra) {
  const reasons = result.reasons;
  const evidence = reasons.evidence.map(
    (e) => `<li><span class="meta">${escapeHtml(e.field)}:</span> ${highlight(e.text, reasons.terms)}</li>`
  ).join("");
  return `<li class="card" data-id="${escapeHtml(result.id)}"><h3>${entityLink(result.id, result.name)}</h3>
    <div class="meta">${escapeHtml(result.kind)} · score ${result.score.toFixed(3)}</div>
    ${result.disciplines.length ? `<div class="meta">${result.disciplines.map(escapeHtml).join(", ")}</div>` : ""}
    ${reasons.aspect ? `<div class="aspect">Aspect: ${escapeHtml(reasons.aspect)}</div>` : ""}
    ${reasons.complements ? `<div class="complements">${escapeHtml(reasons.complements)}</div>` : ""}
    ${reasons.terms.length ? `<div class="terms">Shared terms: ${reasons.terms.map((t) => `<span>${escapeHtml(t)}</span>`).join("")}</div>` : ""}
    ${reasons.constraints.length ? `<div class="meta">Meets: ${reasons.constraints.map(escapeHtml).join("; ")}</div>` : ""}
    <ul class="evidence">${evidence}</ul>${extra || ""}</li>`;
}

const KEY_STORE = "matcher-api-key";

function apiKey() {
  try { return window.localStorage.getItem(KEY_STORE) || ""; } catch (error) { return ""; }
}

function apiHeaders(extra) {
  const headers = Object.assign({ "Content-Type": "application/json" }, extra || {});
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  return headers;
}

async function api(path, options) {
  const init = Object.assign({}, options || {});
  init.headers = apiHeaders(init.headers);
  if (init.body && typeof init.body !== "string") init.body = JSON.stringify(init.body);
  const response = await fetch(path, init);
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = data && data.error ? data.error.message : `request failed (${response.status})`;
    throw new Error(message);
  }
  return data;
}

function say(element, text, isError) {
  element.textContent = text;
  element.className = isError ? "error" : "";
}
