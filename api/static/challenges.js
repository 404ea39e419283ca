"use strict";
/* Open challenges: search and filter them, find partners for one, or publish one. */
const message = document.getElementById("message");
let listed = null;

function challengeCard(c) {
  const search = `/?q=${encodeURIComponent(c.need)}`;
  return h("li", { class: "card", id: c.id, dataset: { id: c.id } }, [
    h("h3", { text: c.title }),
    h("div", { class: "meta", text: t("challenges.by", { owner: c.owner_organisation, deadline: c.deadline }) }),
    c.areas.length ? h("div", { class: "meta", text: c.areas.map((a) => t(`area.${a}`)).join(", ") }) : null,
    h("p", { text: c.need }),
    h("a", { href: search, text: t("challenges.find") }),
  ]);
}

function draw() {
  if (!listed) return;
  say(message, t("challenges.count", { count: listed.total }));
  fill(document.getElementById("challenges"), listed.items.length
    ? listed.items.map(challengeCard) : [h("li", { class: "empty", text: t("challenges.none") })]);
}

let typing = null;
let asked = 0; // only the latest search's answer is drawn (an earlier one may arrive later)
async function load() {
  const mine = ++asked;
  const q = document.getElementById("q").value.trim();
  const area = document.getElementById("area").value;
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (area) params.set("area", area);
  try {
    const answer = await api(`/v1/challenges?${params}`);
    if (mine !== asked) return;
    listed = answer;
    draw();
  } catch (error) { say(message, error.message, true); }
}

const find = document.getElementById("find");
find.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(load, 200); });
find.addEventListener("submit", (event) => { event.preventDefault(); load(); });

document.getElementById("publish-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = (id) => document.getElementById(id).value.trim();
  const area = value("c-area");
  const body = {
    need: value("c-need"), title: value("c-title") || null, visibility: "public",
    owner_organisation: value("c-owner") || null, deadline: value("c-deadline") || null,
    email: value("c-email") || null, filters: { areas: area ? [area] : [] },
  };
  try {
    const saved = await api("/v1/needs", { method: "POST", body });
    const link = `${location.origin}/needs/${encodeURIComponent(saved.id)}#${encodeURIComponent(saved.token || "")}`;
    fill(document.getElementById("published"), [t("challenges.published"), " ", h("a", { href: link, text: link })]);
    load();
  } catch (error) {
    fill(document.getElementById("published"), [h("span", { class: "error", text: error.message })]);
  }
});

document.addEventListener("uilang", draw);
navigation("/challenges");
load();
