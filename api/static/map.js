"use strict";
const message = document.getElementById("message");
const AREAS = {
  "life-science-health": "#d53f8c", "ict-digital": "#2b6cb0", "sustainable-production": "#dd6b20",
  "climate-urban": "#38a169", "medtech": "#805ad5", "cleantech": "#319795",
  "creative-industries": "#d69e2e", "none": "#718096",
};

function shape(point, x, y) {
  const fill = AREAS[point.area] || AREAS.none;
  if (point.kind === "lab") return s("rect", { x: x - 4, y: y - 4, width: 8, height: 8, fill });
  if (point.kind === "company") {
    return s("polygon", { points: `${x},${y - 5} ${x + 5},${y + 4} ${x - 5},${y + 4}`, fill });
  }
  return s("circle", { cx: x, cy: y, r: 4, fill });
}

function swatch(colour) {
  const mark = h("span", { class: "swatch" });
  mark.style.background = colour;
  return mark;
}

async function draw() {
  try {
    const data = await api("/v1/map");
    const size = 640, pad = 12;
    const points = data.points.map((p) => {
      const x = pad + p.x * (size - 2 * pad), y = pad + (1 - p.y) * (size - 2 * pad);
      const label = `${p.name} (${p.kind}; ${p.disciplines.join(", ") || "no disciplines"})`;
      return s("a", { href: `/entities/${encodeURIComponent(p.id)}`, "aria-label": label },
        [s("title", { text: label }), shape(p, x, y)]);
    });
    const svg = s("svg", { role: "img", "aria-label": `Map of ${data.points.length} entities`,
      viewBox: `0 0 ${size} ${size}`, width: "100%" }, points);
    fill(document.getElementById("map"), [svg]);
    document.getElementById("map-caption").textContent =
      `${data.points.length} entities laid out with ${data.method} on their text embeddings. ● researcher ▲ company ■ lab`;
    const used = new Set(data.points.map((p) => p.area));
    fill(document.getElementById("legend"), Object.entries(AREAS).filter(([a]) => used.has(a))
      .map(([a, c]) => h("li", {}, [swatch(c), a])));
    say(message, "");
  } catch (error) {
    say(message, error.message, true);
  }
}
draw();
