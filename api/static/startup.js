"use strict";
/* The startup page. The search lives in the URL (need, kinds, conditions, exclusions), so Back
   from a profile, a reload or a shared link shows the same results. */
const form = document.getElementById("need-form");
const message = document.getElementById("message");
const LIMIT = 10000;
const PAGE = 10;
const FIRST_FETCH = 30;
const MOST = 100;
const LAST_SEARCH = "matcher-last-search";
let excluded = []; // [{id, name}]
let shown = { partners: PAGE, testbeds: PAGE };
let asked = FIRST_FETCH;
let last = null; // the last answer, redrawn when the language changes

function readForm() {
  return {
    need: document.getElementById("need").value.trim(),
    kinds: [...form.querySelectorAll("input[name=kind]:checked")].map((i) => i.value),
    area: document.getElementById("area").value,
    sme: document.getElementById("open-to-smes").checked,
    trl: document.getElementById("trl").value,
    exclude: excluded.map((e) => e.id),
  };
}

function toQuery(search) {
  const params = new URLSearchParams();
  params.set("q", search.need);
  if (search.kinds.length < 3) params.set("kinds", search.kinds.join(","));
  if (search.area) params.set("area", search.area);
  if (search.sme) params.set("sme", "1");
  if (search.trl) params.set("trl", search.trl);
  if (search.exclude.length) params.set("exclude", search.exclude.join(","));
  return `?${params}`;
}

function fromQuery() {
  const params = new URLSearchParams(location.search);
  const kinds = params.has("kinds") ? params.get("kinds").split(",").filter(Boolean) : ["company", "researcher", "lab"];
  return {
    need: params.get("q") || "",
    kinds,
    area: params.get("area") || "",
    sme: params.get("sme") === "1",
    trl: /^[1-9]$/.test(params.get("trl") || "") ? params.get("trl") : "",
    exclude: (params.get("exclude") || "").split(",").filter(Boolean).slice(0, 20),
  };
}

async function fillForm(search) {
  document.getElementById("need").value = search.need;
  for (const box of form.querySelectorAll("input[name=kind]")) box.checked = search.kinds.includes(box.value);
  document.getElementById("area").value = search.area;
  document.getElementById("open-to-smes").checked = search.sme;
  document.getElementById("trl").value = search.trl;
  excluded = await Promise.all(search.exclude.map(async (id) => {
    try { return { id, name: (await api(`/v1/entities/${encodeURIComponent(id)}`)).name }; } catch (error) { return { id, name: id }; }
  }));
  showExcluded();
}

function showExcluded() {
  fill(document.getElementById("excluded"), excluded.map((e) => h("li", {}, [
    h("span", { text: e.name }), " ",
    h("button", { type: "button", class: "chip-remove", "aria-label": t("startup.unexclude", { name: e.name }), text: "×",
      dataset: { id: e.id } }),
  ])));
}

function clearResults() {
  last = null;
  document.getElementById("save").hidden = true;
  for (const id of ["aspects-section", "set-section", "partners-section", "testbeds-section"]) {
    document.getElementById(id).hidden = true;
  }
  fill(document.getElementById("honesty"), []);
  document.getElementById("copy-link").hidden = true;
}

function showHonesty(data) {
  const notes = [];
  if (data.notice) notes.push(h("p", { class: "notice", text: data.notice }));
  if (data.no_strong_match) notes.push(h("p", { class: "no-strong", text: t("startup.nostrong") }));
  const byKind = {};
  for (const left of data.filtered_out || []) (byKind[left.kind] = byKind[left.kind] || []).push(left);
  for (const [kind, items] of Object.entries(byKind)) {
    const names = items.map((i) => `${i.name} (${i.failed.map(condition).join("; ")})`).join(", ");
    notes.push(h("p", { class: "filtered-out", text: t("startup.filtered", { count: items.length, kind: t(`kind.${kind}.many`), names }) }));
  }
  fill(document.getElementById("honesty"), notes);
}

function showList(name, results, kindsAsked) {
  const list = document.getElementById(name);
  const more = document.querySelector(`button.more[data-list=${name}]`);
  const wanted = name === "partners" ? ["company", "researcher"] : ["lab"];
  if (!wanted.some((k) => kindsAsked.includes(k))) {
    fill(list, [h("li", { class: "empty", text: t(`startup.notasked.${name}`) })]);
    more.hidden = true;
    return;
  }
  fill(list, cards(results.slice(0, shown[name]), t("startup.none")));
  more.hidden = !(results.length > shown[name] || (results.length >= asked && asked < MOST));
}

function render(data, search) {
  last = { data, search };
  showHonesty(data);
  const aspects = data.aspects || [];
  document.getElementById("aspects-section").hidden = !aspects.length;
  fill(document.getElementById("aspects"), aspects.map((a) => h("li", {}, [h("strong", { text: a.label }), `: ${a.text}`])));
  const members = data.partner_set || [];
  const inSet = new Set(members.map((m) => m.id));
  document.getElementById("set-section").hidden = !members.length;
  fill(document.getElementById("partner-set"), members.map((r) => card(r, { badge: t("card.inset") })));
  const partners = data.results.filter((r) => !inSet.has(r.id));
  document.getElementById("partners-section").hidden = false;
  document.getElementById("testbeds-section").hidden = false;
  showList("partners", partners, search.kinds);
  showList("testbeds", data.testbeds, search.kinds);
  say(message, t("startup.found", { partners: data.results.length, testbeds: data.testbeds.length }));
  document.getElementById("copy-link").hidden = false;
  document.getElementById("save").hidden = false;
}

/* "Save and alert me": the search as a saved need; its private link is shown once. */
document.getElementById("save-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!last) return;
  const s = last.search;
  const email = document.getElementById("save-email").value.trim();
  const body = {
    need: s.need, kinds: s.kinds.length ? s.kinds : null, exclude: s.exclude, email: email || null,
    filters: { open_to_smes: s.sme || null, trl: s.trl ? Number(s.trl) : null, areas: s.area ? [s.area] : [] },
  };
  const out = document.getElementById("saved");
  try {
    const saved = await api("/v1/needs", { method: "POST", body });
    const link = `${location.origin}/needs/${encodeURIComponent(saved.id)}#${encodeURIComponent(saved.token || "")}`;
    fill(out, [t("save.done"), " ", h("a", { href: link, text: link })]);
  } catch (error) {
    fill(out, [h("span", { class: "error", text: error.message })]);
  }
});

async function search(search) {
  if (!search.need) { clearResults(); return say(message, t("startup.empty"), true); }
  if (search.need.length > LIMIT) { clearResults(); return say(message, t("startup.long", { limit: LIMIT }), true); }
  const body = {
    need: search.need,
    kinds: search.kinds.length ? search.kinds : null,
    top_k: asked,
    exclude: search.exclude,
    filters: { open_to_smes: search.sme || null, trl: search.trl ? Number(search.trl) : null, areas: search.area ? [search.area] : [] },
  };
  say(message, t("startup.searching"));
  try {
    const data = await api("/v1/recommendations", { method: "POST", body });
    render(data, search);
    try { window.sessionStorage.setItem(LAST_SEARCH, location.pathname + location.search); } catch (error) { /* not kept */ }
  } catch (error) {
    clearResults();
    say(message, error.message, true);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const wanted = readForm();
  if (!wanted.need || wanted.need.length > LIMIT) return search(wanted);
  shown = { partners: PAGE, testbeds: PAGE };
  asked = FIRST_FETCH;
  const query = toQuery(wanted);
  if (query !== location.search) history.pushState(null, "", query);
  search(wanted);
});

for (const more of document.querySelectorAll("button.more")) {
  more.addEventListener("click", async () => {
    const name = more.dataset.list;
    shown[name] += PAGE;
    const have = name === "partners" ? last.data.results.length : last.data.testbeds.length;
    if (shown[name] > have && asked < MOST) {
      asked = MOST;
      await search(last.search);
    } else {
      render(last.data, last.search);
    }
    const cardsNow = document.querySelectorAll(`#${name} .card a`);
    const next = cardsNow[Math.min(shown[name] - PAGE, cardsNow.length - 1)];
    if (next) next.focus();
  });
}

document.getElementById("copy-link").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    say(message, t("startup.copied"));
  } catch (error) {
    say(message, `${t("startup.copy.manual")} ${location.href}`);
  }
});

/* "Exclude my company": names come from the catalogue as the user types. */
const excludeInput = document.getElementById("exclude-name");
let suggestions = [];
let typing = null;
excludeInput.addEventListener("input", () => {
  clearTimeout(typing);
  const text = excludeInput.value.trim();
  const picked = suggestions.find((s) => s.name === excludeInput.value);
  if (picked) return pick(picked);
  if (text.length < 2) return;
  typing = setTimeout(async () => {
    try {
      const page = await api(`/v1/entities?kind=company&limit=8&q=${encodeURIComponent(text)}`);
      suggestions = page.items.map((e) => ({ id: e.id, name: e.name }));
      fill(document.getElementById("company-names"), suggestions.map((s) => h("option", { value: s.name })));
    } catch (error) { /* suggestions are a help only */ }
  }, 200);
});
excludeInput.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const text = excludeInput.value.trim().toLowerCase();
  const picked = suggestions.find((s) => s.name.toLowerCase() === text) || (suggestions.length === 1 ? suggestions[0] : null);
  if (picked) pick(picked);
  else if (text) say(message, t("startup.exclude.none"), true);
});

function pick(company) {
  if (!excluded.some((e) => e.id === company.id)) excluded.push(company);
  excludeInput.value = "";
  showExcluded();
}

document.getElementById("excluded").addEventListener("click", (event) => {
  const button = event.target.closest("button.chip-remove");
  if (!button) return;
  excluded = excluded.filter((e) => e.id !== button.dataset.id);
  showExcluded();
});

async function fromAddress() {
  const wanted = fromQuery();
  await fillForm(wanted);
  shown = { partners: PAGE, testbeds: PAGE };
  asked = FIRST_FETCH;
  if (wanted.need) await search(wanted);
  else { clearResults(); say(message, ""); }
}

window.addEventListener("popstate", fromAddress);
document.addEventListener("uilang", () => {
  showExcluded();
  if (last) render(last.data, last.search);
});
navigation("/");
fromAddress();
