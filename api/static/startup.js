"use strict";
const form = document.getElementById("need-form");
const message = document.getElementById("message");

function escapeHtml(text) {
  const div = document.createElement("div");
  div.textContent = text;
  return div.innerHTML;
}

function highlight(text, terms) {
  let html = escapeHtml(text);
  for (const term of terms) {
    const safe = escapeHtml(term).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    html = html.replace(new RegExp("(" + safe + ")", "gi"), "<mark>$1</mark>");
  }
  return html;
}

function card(result) {
  const terms = result.reasons.terms;
  const evidence = result.reasons.evidence.map(
    (e) => `<li><span class="meta">${escapeHtml(e.field)}:</span> ${highlight(e.text, terms)}</li>`
  ).join("");
  return `<li class="card"><h3><a href="/v1/entities/${encodeURIComponent(result.id)}">${escapeHtml(result.name)}</a></h3>
    <div class="meta">${escapeHtml(result.kind)} · score ${result.score.toFixed(3)}</div>
    ${terms.length ? `<div class="terms">Shared terms: ${terms.map((t) => `<span>${escapeHtml(t)}</span>`).join("")}</div>` : ""}
    ${result.disciplines.length ? `<div class="meta">${result.disciplines.map(escapeHtml).join(", ")}</div>` : ""}
    ${result.reasons.aspect ? `<div class="aspect">Aspect: ${escapeHtml(result.reasons.aspect)}</div>` : ""}
    ${result.reasons.complements ? `<div class="complements">${escapeHtml(result.reasons.complements)}</div>` : ""}
    ${result.reasons.constraints.length ? `<div class="meta">Meets: ${result.reasons.constraints.map(escapeHtml).join("; ")}</div>` : ""}
    <ul>${evidence}</ul></li>`;
}

function showAspects(aspects, partnerSet) {
  document.getElementById("aspects-section").hidden = !aspects.length;
  document.getElementById("aspects").innerHTML = aspects.map(
    (a) => `<li><strong>${escapeHtml(a.label)}</strong>: ${escapeHtml(a.text)}</li>`
  ).join("");
  const members = partnerSet || [];
  document.getElementById("set-section").hidden = !members.length;
  document.getElementById("partner-set").innerHTML = members.map(card).join("");
}

function show(listId, results) {
  document.getElementById(listId).innerHTML =
    results.length ? results.map(card).join("") : "<li>No matches with these conditions.</li>";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const need = document.getElementById("need").value.trim();
  message.className = "";
  if (!need) {
    message.textContent = "Please describe your need first.";
    message.className = "error";
    return;
  }
  const kinds = [...form.querySelectorAll("input[name=kind]:checked")].map((i) => i.value);
  const trl = document.getElementById("trl").value;
  const body = {
    need,
    kinds: kinds.length ? kinds : null,
    filters: { open_to_smes: document.getElementById("open-to-smes").checked || null,
               trl: trl ? Number(trl) : null },
  };
  message.textContent = "Searching…";
  const response = await fetch("/v1/recommendations", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) {
    message.textContent = data.error ? data.error.message : "Something went wrong.";
    message.className = "error";
    return;
  }
  message.textContent = `${data.results.length} partners and ${data.testbeds.length} testbeds.`;
  showAspects(data.aspects, data.partner_set);
  show("partners", data.results);
  show("testbeds", data.testbeds);
});
