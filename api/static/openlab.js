"use strict";
const message = document.getElementById("message");
const PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#d53f8c", "#805ad5", "#d69e2e", "#319795",
  "#e53e3e", "#718096", "#3182ce", "#9c4221", "#276749", "#97266d", "#553c9a", "#b7791f"];

function parse(id, label) {
  const text = document.getElementById(id).value.trim();
  if (!text) throw new Error(`Please fill in the ${label}.`);
  try { return JSON.parse(text); } catch (error) { throw new Error(`The ${label} are not valid JSON: ${error.message}`); }
}

function swatch(colour) {
  const mark = h("span", { class: "swatch" });
  mark.style.background = colour;
  return mark;
}

function chart(teams) {
  const disciplines = [...new Set(teams.flatMap((t) => t.members.flatMap((m) => m.disciplines)))].sort();
  const colour = (d) => {
    const i = disciplines.indexOf(d);
    return i < PALETTE.length ? PALETTE[i] : `hsl(${(i * 137.5) % 360}, 55%, ${i % 2 ? 40 : 62}%)`;
  };
  const width = 640, barHeight = 26, left = 170, gap = 8;
  const most = Math.max(1, ...teams.map((t) => t.members.reduce((n, m) => n + m.disciplines.length, 0)));
  const unit = (width - left - 10) / most;
  let y = 0;
  const bars = teams.flatMap((t) => {
    const counts = {};
    t.members.forEach((m) => m.disciplines.forEach((d) => { counts[d] = (counts[d] || 0) + 1; }));
    let x = left;
    const parts = Object.keys(counts).sort().map((d) => {
      const w = counts[d] * unit;
      const rect = s("rect", { x, y, width: w, height: barHeight, fill: colour(d) },
        [s("title", { text: `${d}: ${counts[d]}` })]);
      x += w;
      return rect;
    });
    const label = s("text", { x: left - 6, y: y + barHeight * 0.7, "text-anchor": "end", "font-size": 12,
      text: t.challenge_id });
    y += barHeight + gap;
    return [label, ...parts];
  });
  const svg = s("svg", { role: "img", "aria-label": "Stacked bars of disciplines per team",
    viewBox: `0 0 ${width} ${y}`, width: "100%" }, bars);
  const legend = h("ul", { class: "legend" }, disciplines.map((d) => h("li", {}, [swatch(colour(d)), d])));
  return [svg, legend];
}

function teamCard(team) {
  const members = team.members.map((m) => h("li", {}, [
    m.in_catalogue ? entityLink(m.id, m.name) : m.name, " ",
    h("span", { class: "meta", text: `(${m.organisation}; ${m.disciplines.join(", ")})` }),
    h("div", { class: "complements", text: m.reason }),
  ]));
  return h("li", { class: "card team" }, [
    h("h3", { text: team.challenge_id }),
    h("div", { class: "meta", text: `objective ${team.objective.toFixed(2)} · ${team.organisations.length} `
      + `organisations · ${team.disciplines.length} disciplines` }),
    team.skills_covered.length ? h("div", { text: `Skills covered: ${team.skills_covered.join(", ")}` }) : null,
    team.skills_missing.length
      ? h("div", { class: "missing", text: `Skills missing: ${team.skills_missing.join(", ")}` }) : null,
    h("ul", {}, members),
  ]);
}

document.getElementById("example").addEventListener("click", async () => {
  try {
    const example = await api("/openlab/example.json");
    document.getElementById("challenges").value = JSON.stringify(example.challenges, null, 1);
    document.getElementById("pool").value = JSON.stringify(example.pool, null, 1);
    say(message, "Example filled in.");
  } catch (error) { say(message, error.message, true); }
});

document.getElementById("teams-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const body = {
      challenges: parse("challenges", "challenges"),
      pool: parse("pool", "pool"),
      constraints: {
        min_size: Number(document.getElementById("min-size").value),
        max_size: Number(document.getElementById("max-size").value),
        max_org_share: Number(document.getElementById("org-share").value) || null,
        min_disciplines: Number(document.getElementById("min-disciplines").value),
      },
    };
    say(message, "Forming teams…");
    const result = await api("/v1/teams", { method: "POST", body });
    const gap = result.gap == null ? "" : `, gap ${(result.gap * 100).toFixed(2)} %`;
    say(message, `${result.teams.length} teams (${result.status}${gap}) in ${result.seconds.toFixed(1)} s.` +
      (result.unassigned.length ? ` Not placed: ${result.unassigned.length}.` : ""));
    fill(document.getElementById("teams"), result.teams.map(teamCard));
    fill(document.getElementById("chart"), chart(result.teams));
    document.getElementById("teams-section").hidden = false;
    document.getElementById("chart-section").hidden = false;
  } catch (error) {
    say(message, error.message, true);
  }
});
