"use strict";
/* The OpenLab page: challenges as rows, a pool from the catalogue, a CSV file or the example,
   rules as labelled inputs; teams, the people not placed and a readable chart out. */
const message = document.getElementById("message");
const challengeRows = document.getElementById("challenge-rows");
/* Colours told apart also with colour-blindness (Okabe and Ito), then the same with stripes. */
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const MOST_STYLES = COLOURS.length * 2;
let examplePool = null;
let csvPool = null;
let answer = null; // the last teams, redrawn when the language changes
const challengeNames = {};

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
}

function addChallenge(challenge) {
  const n = challengeRows.children.length + 1;
  const base = `challenge-${Date.now()}-${n}`;
  const field = (key, control) => [h("label", { for: control.id, class: "meta", text: t(key) }), control];
  const row = h("li", { class: "challenge" }, [
    h("strong", { class: "challenge-title", text: t("openlab.challenge.n", { n }) }),
    ...field("openlab.challenge.id", h("input", { id: `${base}-id`, class: "c-name", type: "text", maxlength: 80, value: challenge ? challenge.name : "" })),
    ...field("openlab.challenge.text", h("textarea", { id: `${base}-text`, class: "c-text", rows: 3, maxlength: 20000 }, [challenge ? challenge.text : ""])),
    ...field("openlab.challenge.skills", h("input", { id: `${base}-skills`, class: "c-skills", type: "text", maxlength: 2000, value: challenge ? challenge.skills.join(", ") : "" })),
    h("button", { type: "button", class: "secondary remove-challenge", text: t("openlab.challenge.remove") }),
  ]);
  challengeRows.append(row);
}

challengeRows.addEventListener("click", (event) => {
  const button = event.target.closest("button.remove-challenge");
  if (!button) return;
  button.closest("li").remove();
  if (!challengeRows.children.length) addChallenge();
  renumber();
});

function renumber() {
  [...challengeRows.children].forEach((row, i) => {
    row.querySelector(".challenge-title").textContent = t("openlab.challenge.n", { n: i + 1 });
    row.querySelector("button").textContent = t("openlab.challenge.remove");
    const labels = row.querySelectorAll("label");
    ["openlab.challenge.id", "openlab.challenge.text", "openlab.challenge.skills"].forEach((key, j) => { labels[j].textContent = t(key); });
  });
}

document.getElementById("add-challenge").addEventListener("click", () => {
  addChallenge();
  challengeRows.lastElementChild.querySelector("input").focus();
});

class FormError extends Error {}

function challenges() {
  const out = [];
  [...challengeRows.children].forEach((row, i) => {
    const name = row.querySelector(".c-name").value.trim();
    const text = row.querySelector(".c-text").value.trim();
    if (!name && !text) return;
    if (!name || !text || !slug(name)) throw new FormError(t("openlab.err.challenge", { n: i + 1 }));
    const id = slug(name);
    if (out.some((c) => c.id === id)) throw new FormError(t("openlab.err.duplicate", { id: name }));
    challengeNames[id] = name;
    const skills = row.querySelector(".c-skills").value.split(",").map((s) => s.trim()).filter(Boolean);
    out.push({ id, text, skills });
  });
  if (!out.length) throw new FormError(t("openlab.err.challenge", { n: 1 }));
  return out;
}

/* A small CSV reader: commas, quoted fields with doubled quotes, CRLF or LF. */
function parseCsv(text) {
  const records = [];
  let field = "", record = [], quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { record.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      record.push(field); field = "";
      if (record.some((v) => v.trim())) records.push(record);
      record = [];
    } else field += c;
  }
  record.push(field);
  if (record.some((v) => v.trim())) records.push(record);
  return records;
}

function profilesFromCsv(text) {
  const [header, ...lines] = parseCsv(text.replace(/^\uFEFF/, ""));
  const columns = (header || []).map((c) => c.trim().toLowerCase());
  const need = ["id", "name", "organisation", "description"];
  if (!need.every((c) => columns.includes(c))) throw new FormError(t("openlab.err.csv", { message: t("openlab.err.csv.columns") }));
  if (!lines.length) throw new FormError(t("openlab.err.csv", { message: t("openlab.err.csv.empty") }));
  const list = (v) => (v || "").split(";").map((s) => s.trim()).filter(Boolean);
  return lines.map((cells) => {
    const row = Object.fromEntries(columns.map((c, i) => [c, (cells[i] || "").trim()]));
    return { id: slug(row.id) || row.id, name: row.name, organisation: row.organisation, description: row.description,
      skills: list(row.skills), disciplines: list(row.disciplines), language: row.language === "sv" ? "sv" : "en" };
  });
}

document.getElementById("pool-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  csvPool = null;
  if (!file) return;
  document.querySelector("input[name=pool][value=csv]").checked = true;
  try { csvPool = profilesFromCsv(await file.text()); say(message, ""); } catch (error) { say(message, error.message, true); }
});

function pool() {
  const choice = document.querySelector("input[name=pool]:checked").value;
  if (choice === "catalogue") {
    const area = document.getElementById("pool-area").value;
    return { filter: { kinds: ["researcher"], areas: area ? [area] : [] } };
  }
  if (choice === "csv" && csvPool) return { profiles: csvPool };
  if (choice === "example" && examplePool) return examplePool;
  throw new FormError(t("openlab.err.pool"));
}

function rules() {
  const number = (id) => Number(document.getElementById(id).value);
  const constraints = {
    min_size: number("min-size"), max_size: number("max-size"),
    max_org_share: number("org-share") || null, min_disciplines: number("min-disciplines"),
  };
  if (constraints.min_size > constraints.max_size) throw new FormError(t("openlab.err.sizes"));
  return constraints;
}

/* The API's field names in a message, in the page's own labels. */
function inPageWords(text) {
  if (/pool is empty/.test(text)) return t("openlab.err.empty");
  const labels = {
    "constraints.min_size": t("openlab.min"), "constraints.max_size": t("openlab.max"),
    "constraints.max_org_share": t("openlab.share"), "constraints.min_disciplines": t("openlab.disciplines"),
    min_size: t("openlab.min"), max_size: t("openlab.max"), max_org_share: t("openlab.share"),
    min_disciplines: t("openlab.disciplines"),
  };
  let out = text.replace(/challenges\.(\d+)(\.\w+)?/g, (whole, n) => t("openlab.challenge.n", { n: Number(n) + 1 }));
  out = out.replace(/pool\.profiles\.(\d+)(\.\w+)?/g, (whole, n) => `${t("openlab.pool")} ${Number(n) + 1}`);
  for (const [name, label] of Object.entries(labels)) out = out.split(name).join(`“${label}”`);
  return out.replace(/\bpool\b/g, t("openlab.pool"));
}

function clearAnswer() {
  answer = null;
  for (const id of ["chart-section", "teams-section", "left-section", "verdict"]) document.getElementById(id).hidden = true;
  fill(document.getElementById("teams"), []);
  fill(document.getElementById("chart"), []);
  fill(document.getElementById("left"), []);
}

function verdict(result) {
  if (result.status === "optimal") return t("openlab.optimal");
  if (result.status === "feasible") {
    return result.gap == null ? t("openlab.feasible.nogap") : t("openlab.feasible", { gap: (result.gap * 100).toFixed(1) });
  }
  return t("openlab.greedy");
}

function styleOf(index) {
  const colour = COLOURS[index % COLOURS.length];
  return index < COLOURS.length ? colour
    : `repeating-linear-gradient(45deg, ${colour} 0 6px, #ffffff 6px 9px)`;
}

function chart(teams) {
  const primary = (m) => m.disciplines[0] || t("openlab.other");
  const totals = {};
  teams.forEach((team) => team.members.forEach((m) => { totals[primary(m)] = (totals[primary(m)] || 0) + 1; }));
  const ordered = Object.keys(totals).sort((a, b) => totals[b] - totals[a] || a.localeCompare(b));
  const own = ordered.slice(0, ordered.length > MOST_STYLES ? MOST_STYLES - 1 : MOST_STYLES);
  const group = (d) => (own.includes(d) ? d : t("openlab.other"));
  const legendItems = [...own, ...(ordered.length > own.length ? [t("openlab.other")] : [])];
  const most = Math.max(1, ...teams.map((team) => team.members.length));
  const bars = teams.map((team) => {
    const counts = {};
    team.members.forEach((m) => { counts[group(primary(m))] = (counts[group(primary(m))] || 0) + 1; });
    const parts = legendItems.filter((d) => counts[d]).map((d) => {
      const part = h("span", { title: `${d}: ${counts[d]}` });
      part.style.width = `${(100 * counts[d]) / most}%`;
      part.style.background = styleOf(legendItems.indexOf(d));
      return part;
    });
    const summary = legendItems.filter((d) => counts[d]).map((d) => `${d} ${counts[d]}`).join(", ");
    return h("div", {}, [
      h("div", { class: "bar-label", text: `${challengeNames[team.challenge_id] || team.challenge_id} (${team.members.length})` }),
      h("div", { class: "bar", role: "img", "aria-label": summary }, parts),
    ]);
  });
  const grouped = {};
  ordered.forEach((d) => { grouped[group(d)] = (grouped[group(d)] || 0) + totals[d]; });
  const legend = h("ul", { class: "legend" }, legendItems.map((d, i) => {
    const mark = h("span", { class: "swatch" });
    mark.style.background = styleOf(i);
    return h("li", {}, [mark, `${d} (${grouped[d]})`]);
  }));
  return [h("div", { class: "bars" }, bars), legend];
}

function teamCard(team) {
  const members = team.members.map((m) => h("li", {}, [
    m.in_catalogue ? entityLink(m.id, m.name) : m.name, " ",
    h("span", { class: "meta", text: `(${m.organisation}; ${m.disciplines.join(", ")})` }),
    h("div", { class: "complements", text: m.reason }),
  ]));
  return h("li", { class: "card team" }, [
    h("h3", { text: challengeNames[team.challenge_id] || team.challenge_id }),
    h("div", { class: "meta", text: t("openlab.team.meta", { people: team.members.length, orgs: team.organisations.length, disciplines: team.disciplines.length }) }),
    team.skills_covered.length ? h("div", { text: t("openlab.covered", { list: team.skills_covered.join(", ") }) }) : null,
    team.skills_missing.length ? h("div", { class: "missing", text: t("openlab.missing", { list: team.skills_missing.join(", ") }) }) : null,
    h("ul", {}, members),
  ]);
}

function draw() {
  if (!answer) return;
  const result = answer;
  const line = document.getElementById("verdict");
  line.textContent = verdict(result);
  line.hidden = false;
  say(message, t("openlab.summary", { teams: result.teams.length, seconds: result.seconds.toFixed(1) }));
  fill(document.getElementById("teams"), result.teams.map(teamCard));
  fill(document.getElementById("chart"), chart(result.teams));
  const left = result.not_placed || [];
  document.getElementById("left-title").textContent = t("openlab.notplaced", { count: left.length });
  fill(document.getElementById("left"), left.map((p) => h("li", {}, [
    h("strong", { text: p.name }), h("span", { class: "meta", text: ` (${p.organisation}; ${p.disciplines.join(", ")})` }),
    h("div", { text: p.reason }),
  ])));
  document.getElementById("teams-section").hidden = false;
  document.getElementById("chart-section").hidden = false;
  document.getElementById("left-section").hidden = !left.length;
}

document.getElementById("example").addEventListener("click", async () => {
  try {
    const example = await api("/openlab/example.json");
    fill(challengeRows, []);
    example.challenges.forEach((c) => addChallenge({ name: c.id, text: c.text, skills: c.skills || [] }));
    examplePool = example.pool;
    document.querySelector("input[name=pool][value=example]").checked = true;
    say(message, t("openlab.filled"));
  } catch (error) { say(message, error.message, true); }
});

document.getElementById("teams-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearAnswer();
  try {
    const body = { challenges: challenges(), pool: pool(), constraints: rules() };
    say(message, t("openlab.forming"));
    answer = await api("/v1/teams", { method: "POST", body });
    draw();
  } catch (error) {
    say(message, error instanceof FormError ? error.message : inPageWords(error.message), true);
  }
});

document.addEventListener("uilang", () => { renumber(); draw(); });
navigation("/openlab");
addChallenge();
