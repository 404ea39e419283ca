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

const BAND_WORDS = { strong: "strong match", possible: "possible match", weak: "weak match" };

function entityLink(id, name) {
  return h("a", { href: `/entities/${encodeURIComponent(id)}`, text: name });
}

function card(result, extra) {
  const reasons = result.reasons;
  const evidence = reasons.evidence.map((e) =>
    h("li", {}, [h("span", { class: "meta", text: `${e.field}:` }), " ", ...highlighted(e.text, reasons.terms)]));
  return h("li", { class: "card", dataset: { id: result.id } }, [
    h("h3", {}, [entityLink(result.id, result.name)]),
    h("div", { class: "meta" }, [
      h("span", { class: `band band-${result.band}`, text: BAND_WORDS[result.band] || result.band }),
      ` ${result.kind} · relevance ${result.relevance.toFixed(2)}`,
    ]),
    result.disciplines.length ? h("div", { class: "meta", text: result.disciplines.join(", ") }) : null,
    reasons.aspect ? h("div", { class: "aspect", text: `Aspect: ${reasons.aspect}` }) : null,
    reasons.complements ? h("div", { class: "complements", text: reasons.complements }) : null,
    reasons.terms.length
      ? h("div", { class: "terms" }, ["Shared terms: ", ...reasons.terms.flatMap((t) => [h("span", { text: t }), " "])])
      : null,
    reasons.constraints.length ? h("div", { class: "meta", text: `Meets: ${reasons.constraints.join("; ")}` }) : null,
    h("ul", { class: "evidence" }, evidence),
    extra || null,
  ]);
}

function cards(results, empty) {
  return results.length ? results.map((r) => card(r)) : [h("li", { text: empty })];
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

async function api(path, options) {
  const init = Object.assign({}, options || {});
  init.headers = apiHeaders(init.headers);
  if (init.body && typeof init.body !== "string") init.body = JSON.stringify(init.body);
  const response = await fetch(path, init);
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = data && data.error ? data.error.message : `request failed (${response.status})`;
    throw new Error(message);
  }
  return data;
}

function say(element, text, isError) {
  element.textContent = text;
  element.className = isError ? "error" : "";
}
