"use strict";
const message = document.getElementById("message");
const entityId = decodeURIComponent(location.pathname.split("/").pop());

function list(title, values) {
  return values && values.length
    ? `<h2>${escapeHtml(title)}</h2><ul>${values.map((v) => `<li>${escapeHtml(v)}</li>`).join("")}</ul>` : "";
}

function profile(e) {
  const facts = [e.kind, e.location ? e.location.municipality : null, e.host, e.affiliation, e.stage]
    .filter(Boolean).map(escapeHtml).join(" · ");
  const lab = e.kind === "lab"
    ? `<p class="meta">TRL ${e.trl_min}–${e.trl_max} · ${e.open_to_smes ? "open to SMEs" : "not open to SMEs"}
       · access ${escapeHtml((e.access_types || []).join(", ") || "–")} · ${escapeHtml((e.access_modes || []).join(", ") || "–")}</p>` : "";
  const publications = (e.publications || []).map(
    (p) => `${p.title}${p.year ? ` (${p.year})` : ""}`);
  return `<h1>${escapeHtml(e.name)}</h1><p class="meta">${facts}</p>${lab}
    <p>${escapeHtml(e.description)}</p>
    ${e.disciplines.length ? `<p class="meta">Disciplines: ${e.disciplines.map(escapeHtml).join(", ")}</p>` : ""}
    ${list("Capabilities", e.capabilities)}${list("Offers", e.offers)}${list("Seeks", e.seeks)}
    ${list("Expertise", e.expertise)}${list("Publications", publications)}
    ${e.url ? `<p><a href="${escapeHtml(e.url)}" rel="noopener">${escapeHtml(e.url)}</a></p>` : ""}`;
}

async function load() {
  try {
    const entity = await api(`/v1/entities/${encodeURIComponent(entityId)}`);
    document.title = `${entity.name} – Stockholm innovation matchmaking`;
    document.getElementById("profile").innerHTML = profile(entity);
    say(message, "");
    const [similar, complements] = await Promise.all([
      api(`/v1/entities/${encodeURIComponent(entityId)}/similar?top_k=6`),
      api(`/v1/entities/${encodeURIComponent(entityId)}/complements?top_k=6`),
    ]);
    document.getElementById("similar").innerHTML = similar.results.map((r) => card(r)).join("") || "<li>None found.</li>";
    document.getElementById("complements").innerHTML = complements.results.map((r) => card(r)).join("") || "<li>None found.</li>";
  } catch (error) {
    say(message, error.message, true);
  }
}
load();
