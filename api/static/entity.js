"use strict";
/* One profile: who it is, how to reach it, where the record comes from, and its neighbours. */
const message = document.getElementById("message");
const entityId = decodeURIComponent(location.pathname.split("/").pop());
let loaded = null; // {entity, similar, complements}, redrawn when the language changes

function list(key, values) {
  return values && values.length
    ? [h("h2", { text: t(key) }), h("ul", {}, values.map((v) => h("li", { text: v })))] : [];
}

function linkLine(key, url) {
  if (!url) return null;
  const href = safeHref(url);
  return href ? h("p", {}, [t(key), " ", h("a", { href, rel: "noopener noreferrer", text: url })]) : null;
}

function contactLine(contact) {
  if (!contact) return null;
  const href = contact.includes("@") && !contact.includes(":") ? safeHref(`mailto:${contact}`) : safeHref(contact);
  return h("p", {}, [t("entity.contact"), " ", href ? h("a", { href, text: contact }) : contact]);
}

function sourceLine(e) {
  const parts = [e.basis === "public-register"
    ? t("entity.source.register", { source: e.source || "–" })
    : t("entity.source.self")];
  if (e.updated_at) parts.push(t("entity.updated", { date: e.updated_at }));
  return h("p", { class: "meta source", text: parts.join(" ") });
}

function profile(e) {
  const facts = [t(`kind.${e.kind}`), e.stage ? t(`stage.${e.stage}`) : null, e.host, e.affiliation,
    e.location ? e.location.municipality : null].filter(Boolean).join(" · ");
  const lab = e.kind === "lab"
    ? h("p", { class: "meta", text: [t("facts.trl", { min: e.trl_min, max: e.trl_max }),
      e.open_to_smes ? t("facts.sme") : t("facts.nosme"),
      t("entity.access", { types: (e.access_types || []).join(", ") || "–", modes: (e.access_modes || []).join(", ") || "–" })].join(" · ") })
    : null;
  const publications = (e.publications || []).map((p) => `${p.title}${p.year ? ` (${p.year})` : ""}`);
  const projects = (e.projects || []).map((p) => `${p.title}${p.year ? ` (${p.year})` : ""}`);
  return [
    h("h1", { lang: e.language, text: e.name }),
    h("p", { class: "meta", text: facts }),
    lab,
    contactLine(e.contact),
    linkLine(e.kind === "lab" ? "entity.booking" : "entity.web", e.kind === "lab" ? (e.price_url || e.url) : e.url),
    e.kind === "lab" && e.price_url && e.url ? linkLine("entity.web", e.url) : null,
    h("p", { lang: e.language, text: e.description }),
    e.disciplines.length ? h("p", { class: "meta", text: t("card.disciplines", { list: e.disciplines.join(", ") }) }) : null,
    ...list("entity.capabilities", e.capabilities), ...list("entity.offers", e.offers), ...list("entity.seeks", e.seeks),
    ...list("entity.expertise", e.expertise), ...list("entity.publications", publications), ...list("entity.projects", projects),
    sourceLine(e),
  ];
}

function challengeMatch(m) {
  const c = m.challenge;
  return h("li", { class: "card" }, [
    h("h3", {}, [h("a", { href: `/challenges#${encodeURIComponent(c.id)}`, text: c.title })]),
    h("div", { class: "meta" }, [bandLabel(m), ` ${t("challenges.by", { owner: c.owner_organisation, deadline: c.deadline })}`]),
    m.reasons.terms.length ? h("div", { class: "terms" }, [t("card.terms"), " ", ...m.reasons.terms.map((term) => h("span", { text: term }))]) : null,
  ]);
}

function draw() {
  if (!loaded) return;
  document.getElementById("intro").hidden = false;
  if (loaded.challenges && loaded.challenges.results.length) {
    fill(document.getElementById("challenges"), loaded.challenges.results.map(challengeMatch));
    document.getElementById("challenges-section").hidden = false;
  }
  document.title = `${loaded.entity.name} – ${t("site")}`;
  fill(document.getElementById("profile"), profile(loaded.entity));
  for (const relation of ["similar", "complements"]) {
    if (!loaded[relation]) continue;
    fill(document.getElementById(relation), cards(loaded[relation].results, t("entity.none")));
    document.getElementById(`${relation}-section`).hidden = false;
  }
}

function backLink() {
  let lastSearch = null;
  try { lastSearch = window.sessionStorage.getItem("matcher-last-search"); } catch (error) { /* none kept */ }
  const back = document.getElementById("back");
  if (lastSearch && lastSearch.startsWith("/?")) {
    back.href = lastSearch;
    back.dataset.i18n = "entity.back";
  }
}

async function load() {
  try {
    const entity = await api(`/v1/entities/${encodeURIComponent(entityId)}`);
    loaded = { entity };
    say(message, "");
    message.removeAttribute("data-i18n");
    draw();
    const [similar, complements, challenges] = await Promise.all([
      api(`/v1/entities/${encodeURIComponent(entityId)}/similar?top_k=6`),
      api(`/v1/entities/${encodeURIComponent(entityId)}/complements?top_k=6`),
      api(`/v1/entities/${encodeURIComponent(entityId)}/challenges?top_k=5`).catch(() => null),
    ]);
    Object.assign(loaded, { similar, complements, challenges });
    draw();
  } catch (error) {
    message.removeAttribute("data-i18n");
    say(message, !loaded && error.status === 404 ? t("entity.missing") : error.message, true);
  }
}

document.getElementById("intro-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = (id) => document.getElementById(id).value.trim();
  const body = { entity_id: entityId, requester: value("intro-name"), contact: value("intro-contact"), message: value("intro-message") };
  const out = document.getElementById("intro-sent");
  try {
    const made = await api("/v1/introductions", { method: "POST", body });
    const link = `${location.origin}/introductions/${encodeURIComponent(made.id)}#${encodeURIComponent(made.token)}`;
    fill(out, [t(made.route === "email" ? "intro.sent.email" : "intro.sent.operator"), " ", h("a", { href: link, text: link })]);
  } catch (error) {
    fill(out, [h("span", { class: "error", text: error.message })]);
  }
});

document.addEventListener("uilang", draw);
backLink();
navigation(null);
load();
