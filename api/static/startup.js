"use strict";
const form = document.getElementById("need-form");
const message = document.getElementById("message");
const LIMIT = 10000;

function show(listId, results) {
  fill(document.getElementById(listId), cards(results, "No matches with these conditions."));
}

function showAspects(aspects, partnerSet) {
  document.getElementById("aspects-section").hidden = !aspects.length;
  fill(document.getElementById("aspects"), aspects.map(
    (a) => h("li", {}, [h("strong", { text: a.label }), `: ${a.text}`])));
  const members = partnerSet || [];
  document.getElementById("set-section").hidden = !members.length;
  fill(document.getElementById("partner-set"), members.map((r) => card(r)));
}

const KIND_PLURAL = { company: "companies", lab: "testbeds", researcher: "researchers" };

function showHonesty(data) {
  const notes = [];
  if (data.notice) notes.push(h("p", { class: "notice", text: data.notice }));
  if (data.no_strong_match) {
    notes.push(h("p", { class: "no-strong", text: "No strong match: nothing in the catalogue fits "
      + "this need strongly. Say more about what the project does, the technology, and the kind of "
      + "partner or testbed it needs; or loosen the conditions." }));
  }
  const byKind = {};
  for (const left of data.filtered_out || []) (byKind[left.kind] = byKind[left.kind] || []).push(left);
  for (const [kind, items] of Object.entries(byKind)) {
    const names = items.map((i) => `${i.name} (${i.failed.join("; ")})`).join(", ");
    notes.push(h("p", { class: "filtered-out",
      text: `${items.length} stronger ${KIND_PLURAL[kind] || kind} left out by your conditions: ${names}.` }));
  }
  fill(document.getElementById("honesty"), notes);
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
    showHonesty(data);
    showAspects(data.aspects, data.partner_set);
    show("partners", data.results);
    show("testbeds", data.testbeds);
  } catch (error) {
    say(message, error.message, true);
  }
});
