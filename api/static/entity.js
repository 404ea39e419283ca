"use strict";
const message = document.getElementById("message");
const entityId = decodeURIComponent(location.pathname.split("/").pop());

function list(title, values) {
  return values && values.length
    ? [h("h2", { text: title }), h("ul", {}, values.map((v) => h("li", { text: v })))] : [];
}

function link(url) {
  const href = safeHref(url);
  return href ? h("p", {}, [h("a", { href, rel: "noopener noreferrer", text: url })]) : null;
}

function profile(e) {
  const facts = [e.kind, e.location ? e.location.municipality : null, e.host, e.affiliation, e.stage]
    .filter(Boolean).join(" · ");
  const lab = e.kind === "lab"
    ? h("p", { class: "meta", text: `TRL ${e.trl_min}–${e.trl_max} · `
        + `${e.open_to_smes ? "open to SMEs" : "not open to SMEs"} · `
        + `access ${(e.access_types || []).join(", ") || "–"} · ${(e.access_modes || []).join(", ") || "–"}` })
    : null;
  const publications = (e.publications || []).map((p) => `${p.title}${p.year ? ` (${p.year})` : ""}`);
  return [
    h("h1", { text: e.name }),
    h("p", { class: "meta", text: facts }),
    lab,
    h("p", { text: e.description }),
    e.disciplines.length ? h("p", { class: "meta", text: `Disciplines: ${e.disciplines.join(", ")}` }) : null,
    ...list("Capabilities", e.capabilities), ...list("Offers", e.offers), ...list("Seeks", e.seeks),
    ...list("Expertise", e.expertise), ...list("Publications", publications),
    e.url ? link(e.url) : null,
    e.contact ? h("p", { class: "meta", text: `Contact: ${e.contact}` }) : null,
    e.basis === "public-register"
      ? h("p", { class: "meta source", text: `Listed from a public register of research grants, `
          + `with professional data only. Source: ${e.source || "not given"}.` })
      : null,
  ];
}

async function load() {
  try {
    const entity = await api(`/v1/entities/${encodeURIComponent(entityId)}`);
    document.title = `${entity.name} – Stockholm innovation matchmaking`;
    fill(document.getElementById("profile"), profile(entity));
    say(message, "");
    const [similar, complements] = await Promise.all([
      api(`/v1/entities/${encodeURIComponent(entityId)}/similar?top_k=6`),
      api(`/v1/entities/${encodeURIComponent(entityId)}/complements?top_k=6`),
    ]);
    fill(document.getElementById("similar"), cards(similar.results, "None found."));
    fill(document.getElementById("complements"), cards(complements.results, "None found."));
  } catch (error) {
    say(message, error.message, true);
  }
}
load();
