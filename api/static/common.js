"use strict";
/* Shared helpers of the pages. Text from the catalogue reaches the page only as text nodes and
   attribute values (textContent, setAttribute): no HTML is ever built from data. */

const SVG_NS = "http://www.w3.org/2000/svg";

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of [].concat(children || [])) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/* An HTML element: h("a", {href, class}, [children or strings]). */
function h(tag, attrs, children) {
  return build(document.createElement(tag), attrs, children);
}

/* An SVG element with the same calling convention. */
function s(tag, attrs, children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/* Replace an element's children. */
function fill(element, children) {
  element.replaceChildren(...[].concat(children || []).filter((c) => c !== null && c !== undefined));
  return element;
}

/* A link target that can only leave for the web or a mail program (never javascript:). */
function safeHref(url) {
  if (url === null || url === undefined || url === "") return null;
  try {
    const parsed = new URL(String(url), location.origin);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch (error) {
    return null;
  }
}

/* Text with the given terms marked, as nodes. */
function highlighted(text, terms) {
  const source = text == null ? "" : String(text);
  const wanted = (terms || []).filter(Boolean).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!wanted.length) return [source];
  const pattern = new RegExp("(?<![\\p{L}\\p{N}])(" + wanted.join("|") + ")(?![\\p{L}\\p{N}])", "giu");
  const nodes = [];
  let last = 0;
  for (const match of source.matchAll(pattern)) {
    if (match.index > last) nodes.push(source.slice(last, match.index));
    nodes.push(h("mark", { text: match[0] }));
    last = match.index + match[0].length;
  }
  if (last < source.length) nodes.push(source.slice(last));
  return nodes;
}

function entityLink(id, name) {
  return h("a", { href: `/entities/${encodeURIComponent(id)}`, text: name });
}

/* The facts a user checks first: kind, organisation, place, and for a testbed TRL and SME access. */
function factsLine(result) {
  const f = result.facts || {};
  const parts = [t(`kind.${result.kind}`)];
  if (f.stage) parts.push(t(`stage.${f.stage}`));
  if (f.affiliation) parts.push(f.affiliation);
  if (f.host) parts.push(f.host);
  if (f.municipality) parts.push(f.municipality);
  if (result.kind === "lab" && f.trl_min) parts.push(t("facts.trl", { min: f.trl_min, max: f.trl_max }));
  if (f.open_to_smes === true) parts.push(t("facts.sme"));
  if (f.open_to_smes === false) parts.push(t("facts.nosme"));
  return parts.join(" · ");
}

/* The band in words; the estimated chance behind it on hover (a band is cut per language, so
   the band, not the number, is what to compare between needs). */
function bandLabel(result) {
  const chance = `${t("fit.title")}: ${Math.round(result.relevance * 100)} %`;
  return h("span", { class: `band band-${result.band}`, title: chance, text: t(`band.${result.band}`) });
}

/* Why a result is there, in the interface's language, from the reasons' parts (the English
   sentence the API also gives is kept for anything without parts). */
function whyText(reasons) {
  const r = reasons;
  if (uiLang() === "en" || !r.complements) return r.complements || null;
  const parts = [];
  const list = (items) => items.join(", ");
  if (r.alongside && r.alongside.length) {
    parts.push(r.aspect ? t("why.covers", { aspect: r.aspect }) : t("why.whole"));
    if (r.adds && r.adds.length) parts.push(t("why.brings", { list: list(r.adds) }));
    parts.push(t("why.alongside", { list: list(r.alongside) }));
  } else if (r.shares && r.shares.length) {
    parts.push(t("why.shares", { list: list(r.shares) }));
  } else if (r.adds && r.adds.length) {
    parts.push(t("why.adds", { list: list(r.adds) }));
  }
  if (r.answers_seek) parts.push(t("why.seeks", { seek: r.answers_seek }));
  return parts.length ? parts.join("; ") : r.complements;
}

/* The engine's fixed phrases for conditions (met or failed), in Swedish where the interface is. */
const CONDITIONS_SV = [
  [/^open to SMEs$/, "öppen för små och medelstora företag"],
  [/^not open to SMEs$/, "inte öppen för små och medelstora företag"],
  [/^area: /, "område: "], [/^not in the area /, "inte i området "],
  [/^a (company|lab|researcher), which was not asked for$/, (m, k) => `${t(`kind.${k}`)}, som inte efterfrågades`],
  [/^written in /, "skriven på "], [/^no municipality given$/, "ingen kommun angiven"],
  [/^no coordinates given$/, "inga koordinater angivna"],
  [/^(\d+) km away \(at most ([\d.]+)\)$/, "$1 km bort (högst $2)"], [/, (\d+) km away$/, ", $1 km bort"],
  [/^in /, "i "], [/^access:? /, "åtkomst "], [/^terms:? /, "villkor "], [/not given/, "inte angivet"],
];

function condition(text) {
  if (uiLang() !== "sv") return text;
  return CONDITIONS_SV.reduce((out, [pattern, swedish]) => out.replace(pattern, swedish), text);
}

/* One result as a compact card: name, band, key facts, reasons; the evidence folded away. */
function card(result, extra) {
  const reasons = result.reasons;
  const lang = (result.facts && result.facts.language) || null;
  const evidence = reasons.evidence.map((e) =>
    h("li", { lang }, [h("span", { class: "meta", text: `${e.field}:` }), " ", ...highlighted(e.text, reasons.terms)]));
  return h("li", { class: "card", id: `card-${result.id}`, dataset: { id: result.id } }, [
    h("h3", { lang }, [entityLink(result.id, result.name)]),
    h("div", { class: "meta" }, [bandLabel(result)]),
    h("div", { class: "facts meta", text: factsLine(result) }),
    extra && extra.badge ? h("div", { class: "badge", text: extra.badge }) : null,
    reasons.aspect ? h("div", { class: "aspect", text: t("card.aspect", { aspect: reasons.aspect }) }) : null,
    whyText(reasons) ? h("div", { class: "complements", text: whyText(reasons) }) : null,
    reasons.terms.length
      ? h("div", { class: "terms" }, [t("card.terms"), " ", ...reasons.terms.map((term) => h("span", { lang, text: term }))])
      : null,
    reasons.constraints.length ? h("div", { class: "meta", text: t("card.meets", { list: reasons.constraints.map(condition).join("; ") }) }) : null,
    evidence.length
      ? h("details", { class: "evidence" }, [
        h("summary", { text: t("card.evidence", { count: evidence.length }) }), h("ul", {}, evidence)])
      : null,
    extra && extra.node ? extra.node : null,
  ]);
}

function cards(results, empty) {
  return results.length ? results.map((r) => card(r)) : [h("li", { class: "empty", text: empty })];
}

/* An API key lives for the browser session (tab) only, never on disk. */
const KEY_STORE = "matcher-api-key";

function apiKey() {
  try { return window.sessionStorage.getItem(KEY_STORE) || ""; } catch (error) { return ""; }
}

function setApiKey(key) {
  try {
    if (key) window.sessionStorage.setItem(KEY_STORE, key);
    else window.sessionStorage.removeItem(KEY_STORE);
  } catch (error) { /* storage switched off: the key is not kept */ }
}

function apiHeaders(extra) {
  const headers = Object.assign({ "Content-Type": "application/json" }, extra || {});
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  return headers;
}

/* The owner token a private link carries after its "#" (never sent to the server in the URL). */
function fragmentToken() {
  return decodeURIComponent(location.hash.replace(/^#/, ""));
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
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

function say(element, text, isError) {
  element.textContent = text;
  element.className = isError ? "error" : "";
}

/* The priority areas, in the catalogue format's order. */
const AREA_SLUGS = ["life-science-health", "ict-digital", "sustainable-production", "climate-urban",
  "medtech", "cleantech", "creative-industries"];

/* Every <select data-areas>: "any" and the areas by name, in the interface's language (the
   chosen value kept). */
function fillAreas() {
  for (const select of document.querySelectorAll("select[data-areas]")) {
    const chosen = select.value;
    fill(select, [h("option", { value: "", text: t("any") }),
      ...AREA_SLUGS.map((a) => h("option", { value: a, text: t(`area.${a}`) }))]);
    select.value = chosen;
  }
}

/* The navigation every page shares, with the current page marked. */
function navigation(current) {
  const links = [["/", "nav.startup"], ["/challenges", "nav.challenges"], ["/coach", "nav.coach"], ["/openlab", "nav.openlab"], ["/map", "nav.map"], ["/docs", "nav.api"]];
  const nav = document.querySelector("nav");
  fill(nav, links.map(([href, key]) => h("a", { href, "data-i18n": key, "aria-current": href === current ? "page" : null })));
  nav.setAttribute("data-i18n-label", "nav.pages");
  setupLanguage();
}
