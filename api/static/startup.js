"use strict";
const form = document.getElementById("need-form");
const message = document.getElementById("message");
const LIMIT = 10000;

function show(listId, results) {
  document.getElementById(listId).innerHTML =
    results.length ? results.map((r) => card(r)).join("") : "<li>No matches with these conditions.</li>";
}

function showAspects(aspects, partnerSet) {
  document.getElementById("aspects-section").hidden = !aspects.length;
  document.getElementById("aspects").innerHTML = aspects.map(
    (a) => `<li><strong>${escapeHtml(a.label)}</strong>: ${escapeHtml(a.text)}</li>`
  ).join("");
  const members = partnerSet || [];
  document.getElementById("set-section").hidden = !members.length;
  document.getElementById("partner-set").innerHTML = members.map((r) => card(r)).join("");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const need = document.getElementById("need").value.trim();
  if (!need) return say(message, "Please describe your need first.", true);
  if (need.length > LIMIT) return say(message, `Please shorten your need to ${LIMIT} characters.`, true);
  const kinds = [...form.querySelectorAll("input[name=kind]:checked")].map((i) => i.value);
  const trl = document.getElementById("trl").value;
  const area = document.getElementById("area").value;
  const body = {
    need,
    kinds: kinds.length ? kinds : null,
    filters: {
      open_to_smes: document.getElementById("open-to-smes").checked || null,
      trl: trl ? Number(trl) : null,
      areas: area ? [area] : [],
    },
  };
  say(message, "Searching…");
  try {
    const data = await api("/v1/recommendations", { method: "POST", body });
    say(message, `${data.results.length} partners and ${data.testbeds.length} testbeds.`);
    showAspects(data.aspects, data.partner_set);
    show("partners", data.results);
    show("testbeds", data.testbeds);
  } catch (error) {
    say(message, error.message, true);
  }
});
