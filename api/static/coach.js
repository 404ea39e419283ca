"use strict";
const message = document.getElementById("message");
const select = document.getElementById("portfolio-select");
const table = document.getElementById("portfolio-table");
const exportButton = document.getElementById("export-button");
const keyInput = document.getElementById("api-key");
let current = null;

async function refreshList(selected) {
  const portfolios = await api("/v1/portfolios");
  select.innerHTML = portfolios.map(
    (p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.name)} (${p.needs} startups)</option>`
  ).join("");
  if (selected) select.value = selected;
}

function suggestion(needId, result) {
  return `<li class="suggestion" data-need="${escapeHtml(needId)}" data-entity="${escapeHtml(result.id)}">
    ${entityLink(result.id, result.name)} <span class="meta">${escapeHtml(result.kind)}</span>
    <span class="actions">
      <button type="button" class="good" aria-label="Good suggestion: ${escapeHtml(result.name)}">Good</button>
      <button type="button" class="bad" aria-label="Bad suggestion: ${escapeHtml(result.name)}">Bad</button>
      <button type="button" class="keep" aria-label="Shortlist ${escapeHtml(result.name)}">Shortlist</button>
    </span><span class="verdict" aria-live="polite"></span></li>`;
}

function shortlist(need) {
  return need.shortlist.length
    ? `<ul>${need.shortlist.map((s) => `<li>${escapeHtml(s.entity_id)}${s.note ? ` – ${escapeHtml(s.note)}` : ""}</li>`).join("")}</ul>`
    : "<span class=\"meta\">empty</span>";
}

async function open(portfolioId) {
  say(message, "Finding partners for every startup…");
  const [stored, run] = await Promise.all([
    api(`/v1/portfolios/${encodeURIComponent(portfolioId)}`),
    api(`/v1/portfolios/${encodeURIComponent(portfolioId)}/recommendations`,
        { method: "POST", body: { top_k: 3, partner_set: false } }),
  ]);
  current = stored;
  const rows = stored.needs.map((need, i) => {
    const response = run.needs[i].response;
    return `<tr data-need="${escapeHtml(need.need_id)}"><th scope="row">${escapeHtml(need.title)}</th>
      <td><ul class="suggestions">${response.results.map((r) => suggestion(response.need_id, r)).join("")}</ul></td>
      <td class="shortlist">${shortlist(need)}</td></tr>`;
  });
  table.querySelector("tbody").innerHTML = rows.join("");
  table.hidden = false;
  exportButton.hidden = false;
  say(message, `${stored.needs.length} startups in ${run.seconds.toFixed(1)} s.`);
}

document.getElementById("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const lines = document.getElementById("portfolio-needs").value.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return say(message, "Add at least one startup, one per line.", true);
  const needs = lines.map((l) => (/^company:[a-z0-9-]+$/.test(l) ? { entity_id: l } : { text: l }));
  const name = document.getElementById("portfolio-name").value.trim() || "Portfolio";
  try {
    const created = await api("/v1/portfolios", { method: "POST", body: { name, needs } });
    await refreshList(created.id);
    await open(created.id);
  } catch (error) {
    say(message, error.message, true);
  }
});

document.getElementById("open-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!select.value) return say(message, "Create a portfolio first.", true);
  try { await open(select.value); } catch (error) { say(message, error.message, true); }
});

table.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const item = button.closest(".suggestion");
  const needId = item.dataset.need;
  const entityId = item.dataset.entity;
  const verdict = item.querySelector(".verdict");
  try {
    if (button.classList.contains("keep")) {
      const row = button.closest("tr");
      const need = await api(
        `/v1/portfolios/${encodeURIComponent(current.id)}/needs/${encodeURIComponent(row.dataset.need)}/shortlist`,
        { method: "PUT", body: { entity_id: entityId, note: "" } });
      row.querySelector(".shortlist").innerHTML = shortlist(need);
      verdict.textContent = " shortlisted";
      return;
    }
    const label = button.classList.contains("good") ? "relevant" : "not_relevant";
    const answer = await api("/v1/feedback", { method: "POST", body: { need_id: needId, entity_id: entityId, label } });
    verdict.textContent = answer.stored ? ` marked ${label === "relevant" ? "good" : "bad"}` : " already marked";
    item.classList.add(label === "relevant" ? "marked-good" : "marked-bad");
  } catch (error) {
    say(message, error.message, true);
  }
});

exportButton.addEventListener("click", async () => {
  try {
    const path = `/v1/portfolios/${encodeURIComponent(current.id)}/export.csv`;
    const response = await fetch(path, { headers: apiHeaders() });
    if (!response.ok) throw new Error((await response.json()).error.message);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `shortlists-${current.id}.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    say(message, error.message, true);
  }
});

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  try { window.localStorage.setItem(KEY_STORE, keyInput.value.trim()); } catch (error) { /* private mode */ }
  keyInput.value = "";
  say(message, apiKey() ? "Key saved in this browser." : "Key removed.");
  if (!apiKey()) return;
  refreshList().catch((error) => say(message, error.message, true));
});

function start() {
  if (!apiKey()) return say(message, "Portfolios are private: enter your API key above to see them.");
  refreshList().catch((error) => say(message, error.message, true));
}

start();
