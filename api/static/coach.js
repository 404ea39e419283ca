"use strict";
const message = document.getElementById("message");
const select = document.getElementById("portfolio-select");
const table = document.getElementById("portfolio-table");
const exportButton = document.getElementById("export-button");
const keyInput = document.getElementById("api-key");
let current = null;

async function refreshList(selected) {
  const portfolios = await api("/v1/portfolios");
  fill(select, portfolios.map((p) => h("option", { value: p.id, text: `${p.name} (${p.needs} startups)` })));
  if (selected) select.value = selected;
}

function suggestion(needId, result) {
  const button = (kind, label, text) => h("button", { type: "button", class: kind, "aria-label": label, text });
  return h("li", { class: "suggestion", dataset: { need: needId, entity: result.id } }, [
    entityLink(result.id, result.name), " ", h("span", { class: "meta", text: result.kind }), " ",
    h("span", { class: "actions" }, [
      button("good", `Good suggestion: ${result.name}`, "Good"), " ",
      button("bad", `Bad suggestion: ${result.name}`, "Bad"), " ",
      button("keep", `Shortlist ${result.name}`, "Shortlist"),
    ]),
    h("span", { class: "verdict", "aria-live": "polite" }),
  ]);
}

function shortlist(need) {
  return need.shortlist.length
    ? h("ul", {}, need.shortlist.map((s) => h("li", { text: s.note ? `${s.entity_id} – ${s.note}` : s.entity_id })))
    : h("span", { class: "meta", text: "empty" });
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
    return h("tr", { dataset: { need: need.need_id } }, [
      h("th", { scope: "row", text: need.title }),
      h("td", {}, [h("ul", { class: "suggestions" }, response.results.map((r) => suggestion(response.need_id, r)))]),
      h("td", { class: "shortlist" }, [shortlist(need)]),
    ]);
  });
  fill(table.querySelector("tbody"), rows);
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
      fill(row.querySelector(".shortlist"), [shortlist(need)]);
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
    const link = h("a", { href: URL.createObjectURL(await response.blob()), download: `shortlists-${current.id}.csv` });
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    say(message, error.message, true);
  }
});

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setApiKey(keyInput.value.trim());
  keyInput.value = "";
  say(message, apiKey() ? "Key saved for this browser tab until it is closed." : "Key removed.");
  if (!apiKey()) return;
  refreshList().catch((error) => say(message, error.message, true));
});

function start() {
  if (!apiKey()) return say(message, "Portfolios are private: enter your API key above to see them.");
  refreshList().catch((error) => say(message, error.message, true));
}

start();
