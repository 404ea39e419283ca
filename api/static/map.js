"use strict";
/* The catalogue map: search, filter by kind and area, tap a point to see what it is. Points are
   not tab stops (hundreds of them); the search lists its matches as links instead. */
const message = document.getElementById("message");
const AREAS = {
  "life-science-health": "#CC79A7", "ict-digital": "#0072B2", "sustainable-production": "#E69F00",
  "climate-urban": "#009E73", "medtech": "#56B4E9", "cleantech": "#D55E00",
  "creative-industries": "#8A6E00", "none": "#777777",
};
const SIZE = 640, PAD = 14, MAX_LISTED = 20, MAX_LABELS = 12;
let data = null;
let marks = []; // one SVG group per point
let selected = null;
let zoom = 1;
const ZOOMS = [1, 2, 3, 4];
const TAP_PX = 22; // a tap this close to a point (on the screen) picks it

function shape(point, x, y) {
  const fill = AREAS[point.area] || AREAS.none;
  if (point.kind === "lab") return s("rect", { x: x - 5, y: y - 5, width: 10, height: 10, fill, stroke: "#fff" });
  if (point.kind === "company") return s("polygon", { points: `${x},${y - 6} ${x + 6},${y + 5} ${x - 6},${y + 5}`, fill, stroke: "#fff" });
  return s("circle", { cx: x, cy: y, r: 5, fill, stroke: "#fff" });
}

function label(point) {
  const kind = t(`kind.${point.kind}`);
  const area = t(`area.${point.area || "none"}`);
  return `${point.name} (${kind}; ${area}${point.disciplines.length ? `; ${point.disciplines.join(", ")}` : ""})`;
}

function place(point) {
  return [PAD + point.x * (SIZE - 2 * PAD), PAD + (1 - point.y) * (SIZE - 2 * PAD)];
}

function visible(point) {
  const kinds = [...document.querySelectorAll("#map-tools input[name=kind]:checked")].map((i) => i.value);
  const area = document.getElementById("map-area").value;
  return kinds.includes(point.kind) && (!area || point.area === area);
}

function matches(point, words) {
  const name = point.name.toLowerCase();
  return words.every((w) => name.includes(w) || point.disciplines.some((d) => d.toLowerCase().includes(w)));
}

function show(point) {
  selected = point;
  fill(document.getElementById("map-info"), point ? [
    h("p", {}, [h("strong", { text: point.name }), ` – ${t(`kind.${point.kind}`)}; ${t(`area.${point.area || "none"}`)}`]),
    point.disciplines.length ? h("p", { class: "meta", text: t("card.disciplines", { list: point.disciplines.join(", ") }) }) : null,
    h("p", {}, [h("a", { href: `/entities/${encodeURIComponent(point.id)}`, text: t("map.open") })]),
  ] : []);
}

function update() {
  if (!data) return;
  const words = document.getElementById("map-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const found = [];
  data.points.forEach((point, i) => {
    const on = visible(point);
    const hit = on && words.length > 0 && matches(point, words);
    if (hit) found.push(point);
    const group = marks[i];
    group.style.display = on ? "" : "none";
    group.setAttribute("opacity", words.length && !hit ? "0.25" : "1");
    const text = group.querySelector("text");
    if (text) text.remove();
  });
  const fontSize = 13 / screenScale();
  found.slice(0, MAX_LABELS).forEach((point) => {
    const [x, y] = place(point);
    marks[data.points.indexOf(point)].append(s("text", { x: x + 8, y: y + 4, "font-size": fontSize.toFixed(1), text: point.name }));
  });
  const shownCount = data.points.filter(visible).length;
  say(message, t("map.shown", { shown: shownCount, count: data.points.length }));
  document.getElementById("matches-section").hidden = !words.length;
  document.getElementById("matches-title").textContent = t("map.matches", { count: found.length });
  fill(document.getElementById("matches"), found.slice(0, MAX_LISTED).map((p) => h("li", {}, [entityLink(p.id, p.name), ` – ${t(`kind.${p.kind}`)}`])));
}

function draw() {
  if (!data) return;
  marks = data.points.map((point) => {
    const [x, y] = place(point);
    return s("g", { class: "point", dataset: { id: point.id } }, [
      s("title", { text: label(point) }),
      s("circle", { cx: x, cy: y, r: 12, fill: "transparent" }), // a target a finger can hit
      shape(point, x, y),
    ]);
  });
  const svg = s("svg", { role: "img", "aria-label": t("map.label", { count: data.points.length }), viewBox: `0 0 ${SIZE} ${SIZE}` }, marks);
  svg.addEventListener("click", (event) => show(nearest(svg, event) || selected));
  svg.style.width = `${zoom * 100}%`;
  fill(document.getElementById("map"), [svg]);
  document.getElementById("map-caption").textContent = t("map.caption", { count: data.points.length, method: data.method });
  const used = new Set(data.points.map((p) => p.area || "none"));
  const areaSelect = document.getElementById("map-area");
  const chosen = areaSelect.value;
  fill(areaSelect, [h("option", { value: "", text: t("any") }),
    ...Object.keys(AREAS).filter((a) => a !== "none" && used.has(a)).map((a) => h("option", { value: a, text: t(`area.${a}`) }))]);
  areaSelect.value = chosen;
  fill(document.getElementById("legend"), Object.entries(AREAS).filter(([a]) => used.has(a)).map(([a, c]) => {
    const mark = h("span", { class: "swatch" });
    mark.style.background = c;
    return h("li", {}, [mark, t(`area.${a}`)]);
  }));
  update();
  show(selected);
}

/* Screen pixels per map unit. */
function screenScale() {
  const svg = document.querySelector("#map svg");
  const width = svg ? svg.getBoundingClientRect().width : SIZE;
  return (width || SIZE) / SIZE;
}

/* The shown point nearest to a tap or click, if it is close enough on the screen. */
function nearest(svg, event) {
  const box = svg.getBoundingClientRect();
  const scale = box.width / SIZE;
  const x = (event.clientX - box.left) / scale, y = (event.clientY - box.top) / scale;
  let best = null, bestDistance = Infinity;
  data.points.forEach((point, i) => {
    if (marks[i].style.display === "none") return;
    const [px, py] = place(point);
    const distance = Math.hypot(px - x, py - y);
    if (distance < bestDistance) { best = point; bestDistance = distance; }
  });
  return bestDistance * scale <= TAP_PX ? best : null;
}

function setZoom(step) {
  const index = Math.min(ZOOMS.length - 1, Math.max(0, ZOOMS.indexOf(zoom) + step));
  zoom = ZOOMS[index];
  const svg = document.querySelector("#map svg");
  if (svg) svg.style.width = `${zoom * 100}%`;
  update();
}
document.getElementById("zoom-in").addEventListener("click", () => setZoom(1));
document.getElementById("zoom-out").addEventListener("click", () => setZoom(-1));

async function load() {
  try {
    data = await api("/v1/map");
    message.removeAttribute("data-i18n");
    draw();
  } catch (error) {
    message.removeAttribute("data-i18n");
    say(message, error.message, true);
  }
}

const tools = document.getElementById("map-tools");
tools.addEventListener("input", update);
tools.addEventListener("change", update);
tools.addEventListener("submit", (event) => {
  event.preventDefault();
  const first = document.querySelector("#matches a");
  if (first) first.focus();
});
document.addEventListener("uilang", draw);
navigation("/map");
load();
