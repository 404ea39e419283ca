"use strict";
/* The coach page: portfolios of startups, suggestions with reasons, marks and shortlists that are
   kept with the portfolio, and exports. */
const message = document.getElementById("message");
const select = document.getElementById("portfolio-select");
const table = document.getElementById("portfolio-table");
const keyInput = document.getElementById("api-key");
const rows = document.getElementById("startup-rows");
const SUGGESTIONS = 5;
const TESTBEDS = 2;
let current = null; // the stored portfolio
let run = null; // its recommendations
let portfolios = [];
const names = {}; // entity id -> name
let companies = []; // autocomplete suggestions [{id, name}]

/* ---- the new-portfolio form: one line per startup ---- */

function addRow(value) {
  const n = rows.children.length + 1;
  const id = `startup-${Date.now()}-${n}`;
  const row = h("li", {}, [
    h("label", { for: id, class: "meta", text: t("coach.startup.label", { n }) }),
    h("input", { id, type: "text", list: "company-names", autocomplete: "off", maxlength: 10000, value: value || "" }),
    h("button", { type: "button", class: "secondary remove-row", "aria-label": t("coach.remove.row"), text: "×" }),
    h("p", { class: "row-error", hidden: true }),
  ]);
  rows.append(row);
  return row;
}

function flag(row, text) {
  const input = row.querySelector("input");
  const error = row.querySelector(".row-error");
  error.id = `${input.id}-error`;
  error.textContent = text;
  error.hidden = !text;
  if (text) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", error.id); }
  else { input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby"); }
}

async function lookUp(text) {
  if (text.length > 200 || text.split(/\s+/).length > 8) return [];
  const page = await api(`/v1/entities?kind=company&limit=8&q=${encodeURIComponent(text)}`);
  return page.items.map((e) => ({ id: e.id, name: e.name }));
}

/* A line as a portfolio need: a catalogue company (by name or id) or a need in words; else null. */
async function resolve(text) {
  const found = await lookUp(text).catch(() => []);
  const exact = found.find((c) => c.name.toLowerCase() === text.toLowerCase() || c.id === text);
  if (exact) return { entity_id: exact.id };
  if (text.split(/\s+/).filter(Boolean).length >= 4) return { text };
  return null;
}

let typing = null;
rows.addEventListener("input", (event) => {
  const input = event.target.closest("input");
  if (!input) return;
  flag(input.closest("li"), "");
  clearTimeout(typing);
  const text = input.value.trim();
  if (text.length < 2) return;
  typing = setTimeout(async () => {
    try {
      companies = await lookUp(text);
      fill(document.getElementById("company-names"), companies.map((c) => h("option", { value: c.name })));
    } catch (error) { /* suggestions are a help only */ }
  }, 200);
});

rows.addEventListener("click", (event) => {
  const button = event.target.closest("button.remove-row");
  if (!button) return;
  button.closest("li").remove();
  if (!rows.children.length) addRow();
  renumberRows();
});

function renumberRows() {
  [...rows.children].forEach((row, i) => {
    row.querySelector("label").textContent = t("coach.startup.label", { n: i + 1 });
    row.querySelector("button").setAttribute("aria-label", t("coach.remove.row"));
  });
}

document.getElementById("add-row").addEventListener("click", () => addRow().querySelector("input").focus());

document.getElementById("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const lines = [...rows.children].filter((row) => row.querySelector("input").value.trim());
  if (!lines.length) return say(message, t("coach.none"), true);
  const needs = [];
  const good = [];
  let flagged = 0;
  for (const row of lines) {
    const text = row.querySelector("input").value.trim();
    const need = await resolve(text);
    if (need) { needs.push(need); good.push(row); flag(row, ""); }
    else { flagged += 1; flag(row, t("coach.unknown", { text })); }
  }
  if (!needs.length) return say(message, t("coach.partly", { added: 0, flagged }), true);
  const name = document.getElementById("portfolio-name").value.trim() || "Portfolio";
  try {
    const created = await api("/v1/portfolios", { method: "POST", body: { name, needs } });
    good.forEach((row) => row.remove());
    if (!rows.children.length) addRow();
    renumberRows();
    await refreshList(created.id);
    await open(created.id);
    if (flagged) say(message, t("coach.partly", { added: needs.length, flagged }), true);
  } catch (error) {
    say(message, error.message, true);
  }
});

/* ---- a portfolio: suggestions, marks, shortlists ---- */

async function refreshList(selected) {
  portfolios = await api("/v1/portfolios");
  drawOptions();
  if (selected) select.value = selected;
}

function drawOptions() {
  const chosen = select.value;
  fill(select, portfolios.map((p) => h("option", { value: p.id, text: t("coach.portfolio.option", { name: p.name, count: p.needs }) })));
  if (chosen) select.value = chosen;
}

function reasonOf(result) {
  const r = result.reasons;
  if (r.terms.length) return `${t("card.terms")} ${r.terms.join(", ")}`;
  return r.evidence.length ? r.evidence[0].text : "";
}

function markButton(need, result, verdict) {
  const pressed = (need.marks || {})[result.id] === verdict;
  return h("button", { type: "button", class: `${verdict} mark`, "aria-pressed": pressed ? "true" : "false",
    "aria-label": t(`coach.${verdict}.label`, { name: result.name }), text: t(`coach.${verdict}`),
    dataset: { verdict } });
}

function suggestion(need, result) {
  names[result.id] = result.name;
  const mark = (need.marks || {})[result.id];
  const kept = need.shortlist.some((s) => s.entity_id === result.id);
  return h("li", { class: `suggestion${mark ? ` marked-${mark}` : ""}`, dataset: { entity: result.id } }, [
    h("span", { lang: result.facts.language }, [entityLink(result.id, result.name)]), " ", bandLabel(result),
    h("div", { class: "meta", text: factsLine(result) }),
    h("div", { class: "meta", lang: result.facts.language, text: reasonOf(result) }),
    h("span", { class: "actions" }, [
      markButton(need, result, "good"), markButton(need, result, "bad"),
      kept ? h("span", { class: "meta", text: t("coach.kept") })
        : h("button", { type: "button", class: "keep secondary", "aria-label": t("coach.keep.label", { name: result.name }), text: t("coach.keep") }),
    ]),
  ]);
}

function shortlist(need) {
  if (!need.shortlist.length) return h("span", { class: "meta", text: t("coach.empty") });
  return h("ul", { class: "suggestions" }, need.shortlist.map((s) => {
    const name = names[s.entity_id] || s.entity_id;
    const inputId = `note-${need.need_id}-${s.entity_id}`.replace(/[^a-z0-9-]/gi, "-");
    return h("li", { class: "suggestion", dataset: { entity: s.entity_id } }, [
      entityLink(s.entity_id, name), " ",
      s.band ? h("span", { class: `band band-${s.band}`, text: t(`band.${s.band}`) }) : null,
      h("div", { class: "note-editor" }, [
        h("label", { for: inputId, class: "meta", text: t("coach.note", { name }) }),
        h("input", { id: inputId, type: "text", maxlength: 2000, value: s.note, class: "note" }),
        h("button", { type: "button", class: "save-note secondary", text: t("coach.save") }),
        h("button", { type: "button", class: "remove secondary", "aria-label": t("coach.remove.label", { name }), text: t("coach.remove") }),
      ]),
    ]);
  }));
}

async function nameShortlisted(stored) {
  const missing = [...new Set(stored.needs.flatMap((n) => n.shortlist.map((s) => s.entity_id)))].filter((id) => !names[id]);
  await Promise.all(missing.map(async (id) => {
    try { names[id] = (await api(`/v1/entities/${encodeURIComponent(id)}`)).name; } catch (error) { names[id] = id; }
  }));
}

function draw() {
  if (!current || !run) return;
  const body = current.needs.map((need, i) => {
    const response = run.needs[i].response;
    return h("tr", { dataset: { need: need.need_id } }, [
      h("th", { scope: "row" }, [h("div", { text: need.title }), h("div", { class: "meta", text: need.text.length > 160 ? `${need.text.slice(0, 160)}…` : need.text })]),
      h("td", { "data-label": t("coach.col.suggestions") }, [h("ul", { class: "suggestions" }, response.results.map((r) => suggestion(need, r)))]),
      h("td", { "data-label": t("coach.col.testbeds") }, [h("ul", { class: "suggestions" }, response.testbeds.slice(0, TESTBEDS).map((r) => suggestion(need, r)))]),
      h("td", { class: "shortlist", "data-label": t("coach.col.shortlist") }, [shortlist(need)]),
    ]);
  });
  fill(table.querySelector("tbody"), body);
  table.hidden = false;
  document.getElementById("export-csv").hidden = false;
  document.getElementById("export-xlsx").hidden = false;
}

async function open(portfolioId) {
  say(message, t("coach.finding"));
  current = null;
  run = null;
  table.hidden = true; // never another portfolio's suggestions under this one's name
  const [stored, answer] = await Promise.all([
    api(`/v1/portfolios/${encodeURIComponent(portfolioId)}`),
    api(`/v1/portfolios/${encodeURIComponent(portfolioId)}/recommendations`,
      { method: "POST", body: { top_k: SUGGESTIONS, partner_set: false } }),
  ]);
  run = answer;
  answer.needs.forEach((n) => [...n.response.results, ...n.response.testbeds].forEach((r) => { names[r.id] = r.name; }));
  await nameShortlisted(stored);
  current = stored;
  draw();
  say(message, t("coach.ran", { count: stored.needs.length, seconds: answer.seconds.toFixed(1) }));
}

function replaceNeed(need) {
  current.needs = current.needs.map((n) => (n.need_id === need.need_id ? need : n));
  draw();
}

function needPath(row) {
  return `/v1/portfolios/${encodeURIComponent(current.id)}/needs/${encodeURIComponent(row.dataset.need)}`;
}

table.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const row = button.closest("tr");
  const item = button.closest("li");
  const entity = encodeURIComponent(item.dataset.entity);
  try {
    if (button.classList.contains("mark")) {
      const path = `${needPath(row)}/marks/${entity}`;
      const pressed = button.getAttribute("aria-pressed") === "true";
      replaceNeed(pressed ? await api(path, { method: "DELETE" })
        : await api(path, { method: "PUT", body: { mark: button.dataset.verdict } }));
    } else if (button.classList.contains("keep")) {
      replaceNeed(await api(`${needPath(row)}/shortlist`, { method: "PUT", body: { entity_id: item.dataset.entity, note: "" } }));
    } else if (button.classList.contains("save-note")) {
      const note = item.querySelector("input.note").value;
      replaceNeed(await api(`${needPath(row)}/shortlist`, { method: "PUT", body: { entity_id: item.dataset.entity, note } }));
      say(message, t("coach.saved"));
    } else if (button.classList.contains("remove")) {
      await api(`${needPath(row)}/shortlist/${entity}`, { method: "DELETE" });
      current = await api(`/v1/portfolios/${encodeURIComponent(current.id)}`);
      draw();
    }
  } catch (error) {
    say(message, error.message, true);
  }
});

document.getElementById("open-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!select.value) return say(message, t("coach.first"), true);
  try { await open(select.value); } catch (error) { say(message, error.message, true); }
});

async function download(format) {
  try {
    const path = `/v1/portfolios/${encodeURIComponent(current.id)}/export.${format}`;
    const response = await fetch(path, { headers: apiHeaders() });
    if (!response.ok) throw new Error((await response.json()).error.message);
    const link = h("a", { href: URL.createObjectURL(await response.blob()), download: `shortlists-${current.id.replace(":", "-")}.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    say(message, error.message, true);
  }
}
document.getElementById("export-csv").addEventListener("click", () => download("csv"));
document.getElementById("export-xlsx").addEventListener("click", () => download("xlsx"));

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setApiKey(keyInput.value.trim());
  keyInput.value = "";
  say(message, apiKey() ? t("coach.key.saved") : t("coach.key.removed"));
  if (!apiKey()) return;
  refreshList().catch((error) => say(message, error.message, true));
});

document.addEventListener("uilang", () => {
  drawOptions();
  renumberRows();
  draw();
});

navigation("/coach");
addRow();
if (!apiKey()) say(message, t("coach.key.needed"));
else refreshList().catch((error) => say(message, error.message, true));
