"use strict";
/* A saved need and its alerts, for whoever holds its private link (the token after "#"). */
const message = document.getElementById("message");
const needId = decodeURIComponent(location.pathname.split("/").pop());
const token = fragmentToken();
const headers = token ? { "X-Need-Token": token } : {};
let shown = null;

function searchLink(need) {
  const params = new URLSearchParams({ q: need.need });
  if (need.kinds && need.kinds.length < 3) params.set("kinds", need.kinds.join(","));
  if (need.exclude && need.exclude.length) params.set("exclude", need.exclude.join(","));
  return `/?${params}`;
}

function draw() {
  if (!shown) return;
  const { need, alerts } = shown;
  const feed = `/v1/needs/${encodeURIComponent(needId)}/alerts.atom?token=${encodeURIComponent(token)}`;
  fill(document.getElementById("need"), [
    need.title ? h("h2", { text: need.title }) : null,
    h("p", { text: need.need }),
    need.visibility === "public"
      ? h("p", { class: "meta", text: t("challenges.by", { owner: need.owner_organisation, deadline: need.deadline }) }) : null,
    h("p", {}, [h("a", { href: searchLink(need), text: t("need.run") }), " · ", h("a", { href: feed, text: t("need.feed") })]),
  ]);
  document.getElementById("alerts-section").hidden = false;
  fill(document.getElementById("alerts"), alerts.length ? alerts.map((a) => h("li", { class: "card" }, [
    h("h3", {}, [entityLink(a.entity_id, a.name)]),
    h("div", { class: "meta" }, [h("span", { class: `band band-${a.band}`, text: t(`band.${a.band}`) }), ` ${t(`kind.${a.kind}`)} · ${a.created.slice(0, 10)}`]),
    ...Object.entries(a.deliveries).map(([channel, d]) => h("div", { class: "meta", text: t("need.delivery", { channel, status: d.status }) })),
  ])) : [h("li", { class: "empty", text: t("need.none") })]);
  document.getElementById("delete").hidden = false;
}

async function load() {
  try {
    const [need, list] = await Promise.all([
      api(`/v1/needs/${encodeURIComponent(needId)}`, { headers }),
      api(`/v1/needs/${encodeURIComponent(needId)}/alerts`, { headers }),
    ]);
    shown = { need, alerts: list.alerts };
    say(message, "");
    draw();
  } catch (error) {
    say(message, error.status === 404 ? t("need.missing") : error.message, true);
  }
}

document.getElementById("delete").addEventListener("click", async () => {
  try {
    await api(`/v1/needs/${encodeURIComponent(needId)}`, { method: "DELETE", headers });
    shown = null;
    fill(document.getElementById("need"), []);
    document.getElementById("alerts-section").hidden = true;
    document.getElementById("delete").hidden = true;
    say(message, t("need.deleted"));
  } catch (error) { say(message, error.message, true); }
});

document.addEventListener("uilang", draw);
navigation(null);
load();
