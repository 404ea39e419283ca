"use strict";
/* An introduction request's status, for whoever holds its private link (the token after "#"). */
const message = document.getElementById("message");
const introId = decodeURIComponent(location.pathname.split("/").pop());
let shown = null;

function draw() {
  if (!shown) return;
  fill(document.getElementById("intro"), [
    h("p", {}, [entityLink(shown.entity_id, shown.name || shown.entity_id)]),
    h("p", { class: "band band-possible", text: t("intro.status", { status: t(`intro.status.${shown.status}`) }) }),
    h("p", { text: shown.message }),
    h("p", { class: "meta", text: `${shown.requester} · ${shown.created.slice(0, 10)}` }),
  ]);
}

async function load() {
  try {
    shown = await api(`/v1/introductions/${encodeURIComponent(introId)}`, { headers: { "X-Intro-Token": fragmentToken() } });
    draw();
    try { shown.name = (await api(`/v1/entities/${encodeURIComponent(shown.entity_id)}`)).name; draw(); } catch (error) { /* the id stays */ }
  } catch (error) {
    say(message, error.status === 404 ? t("intro.missing") : error.message, true);
  }
}

document.addEventListener("uilang", draw);
navigation(null);
load();
