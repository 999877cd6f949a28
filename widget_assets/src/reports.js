// The admin's reports page: draws each report's chart from the JSON the server put in the page
// (templates/livechat/admin/reports.html). Loaded on that page only. Works under the strict CSP: Chart.js
// draws on canvas and sets styles through the CSSOM only; no eval, no HTML strings.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from "chart.js";
import { chartConfig } from "./reports/charts.js";

Chart.register(
  ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, ScatterController, Tooltip,
);

/** @returns {import("./reports/charts.js").Palette} */
function palette() {
  const style = getComputedStyle(document.documentElement);
  const read = (/** @type {string} */ name) => style.getPropertyValue(name).trim();
  return {
    text: read("--text"),
    muted: read("--muted"),
    grid: read("--grid"),
    suppressed: read("--suppressed"),
    series: [1, 2, 3, 4, 5, 6].map((i) => read(`--series-${i}`)),
  };
}

/** The admin's own time zone, unless they chose one: reload once with it. */
function adoptTimeZone() {
  const params = new URLSearchParams(location.search);
  if (params.has("tz")) return false;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || zone === "UTC") return false;
  params.set("tz", zone);
  location.replace(`${location.pathname}?${params.toString()}`);
  return true;
}

function start() {
  if (adoptTimeZone()) return;
  const source = document.getElementById("livechat-reports-data");
  if (!source) return;
  /** @type {{ charts: import("./reports/charts.js").ChartData[], min_count: number }} */
  const page = JSON.parse(source.textContent || "{}");
  /** @type {Chart[]} */
  let drawn = [];
  const draw = () => {
    for (const chart of drawn) chart.destroy();
    drawn = [];
    const colours = palette();
    for (const data of page.charts) {
      const holder = document.querySelector(`.lc-chart[data-chart="${data.key}"]`);
      const canvas = holder && holder.querySelector("canvas");
      if (!holder || !canvas) continue;
      try {
        drawn.push(new Chart(canvas, chartConfig(data, colours, page.min_count)));
        holder.setAttribute("data-drawn", "true");
      } catch (error) {
        holder.setAttribute("data-drawn", "false");
        console.error("livechat reports: could not draw", data.key, error);
      }
    }
  };
  draw();
  // Light or dark follows the system; redraw in the new colours when it changes.
  const scheme = window.matchMedia("(prefers-color-scheme: dark)");
  if (scheme.addEventListener) scheme.addEventListener("change", draw);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
