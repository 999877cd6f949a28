// Chart.js configurations for the reports page, built from the server's JSON (views/reports.py). Pure
// functions of the data and a palette, so they are unit-tested without a browser. A suppressed figure
// arrives as null: bars and lines leave a gap, the heat map draws a grey cell, tooltips say "< N".

/**
 * @typedef {{ name: string, values: (number | null)[] }} Series
 * @typedef {{ key: string, title: string, chart: string, labels: string[], series: Series[] }} ChartData
 * @typedef {{ text: string, muted: string, grid: string, suppressed: string, series: string[] }} Palette
 */

/**
 * @param {string} hex a #rrggbb colour
 * @param {number} alpha 0..1
 */
export function withAlpha(hex, alpha) {
  const value = /^#([0-9a-f]{6})$/i.exec(hex.trim());
  if (!value) return hex;
  const n = parseInt(value[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${Math.round(alpha * 100) / 100})`;
}

/**
 * The text a tooltip shows for a value.
 * @param {number | null | undefined} value
 * @param {number} minCount
 */
export function valueText(value, minCount) {
  return value == null ? `< ${minCount}` : value.toLocaleString("en");
}

/**
 * @param {ChartData} data
 * @param {Palette} palette
 * @param {number} minCount
 * @returns {any} a Chart.js configuration
 */
export function chartConfig(data, palette, minCount) {
  if (data.chart === "heatmap") return heatmapConfig(data, palette, minCount);
  const common = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      legend: { display: data.series.length > 1 || data.chart === "doughnut", labels: { color: palette.text } },
      tooltip: {
        callbacks: {
          /** @param {any} item */
          label: (item) => `${item.dataset.label}: ${valueText(data.series[item.datasetIndex].values[item.dataIndex], minCount)}`,
        },
      },
    },
  };
  if (data.chart === "doughnut") {
    const values = data.series[0] ? data.series[0].values : [];
    return {
      type: "doughnut",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.series[0] ? data.series[0].name : "",
            data: values.map((v) => (v == null ? 0 : v)),
            backgroundColor: data.labels.map((_, i) => palette.series[i % palette.series.length]),
            borderColor: palette.grid,
          },
        ],
      },
      options: common,
    };
  }
  const scales = {
    x: { ticks: { color: palette.muted }, grid: { color: palette.grid } },
    y: { beginAtZero: true, ticks: { color: palette.muted }, grid: { color: palette.grid } },
  };
  return {
    type: data.chart === "line" ? "line" : "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map((series, i) => {
        const colour = palette.series[i % palette.series.length];
        return {
          label: series.name,
          data: series.values,
          borderColor: colour,
          backgroundColor: data.chart === "line" ? colour : withAlpha(colour, 0.75),
          spanGaps: false,
          pointRadius: data.labels.length > 60 ? 0 : 2,
        };
      }),
    },
    options: { ...common, scales },
  };
}

/**
 * Weekday rows by 24 hour columns, as a scatter of squares shaded by value.
 * @param {ChartData} data
 * @param {Palette} palette
 * @param {number} minCount
 */
export function heatmapConfig(data, palette, minCount) {
  /** @type {{ x: number, y: number, v: number | null }[]} */
  const points = [];
  let max = 0;
  data.labels.forEach((_, day) => {
    data.series.forEach((series, hour) => {
      const v = series.values[day];
      if (v != null && v > max) max = v;
      points.push({ x: hour, y: day, v: v == null ? null : v });
    });
  });
  const base = palette.series[0];
  /** @param {any} ctx */
  const shade = (ctx) => {
    const point = points[ctx.dataIndex];
    if (!point) return palette.grid;
    if (point.v == null) return palette.suppressed;
    return point.v === 0 || max === 0 ? withAlpha(base, 0.06) : withAlpha(base, 0.15 + 0.85 * (point.v / max));
  };
  /** @param {any} ctx */
  const radius = (ctx) => {
    const area = ctx.chart.chartArea;
    if (!area) return 4;
    const side = Math.min(area.width / 24, area.height / 7) * 0.92;
    return side / (2 * Math.SQRT1_2);
  };
  const days = data.labels;
  /** @param {number | string} v */
  const hourTick = (v) => (Number(v) % 3 === 0 ? `${v}h` : "");
  /** @param {number | string} v */
  const dayTick = (v) => (days[Number(v)] || "").slice(0, 3);
  return {
    type: "scatter",
    data: {
      datasets: [
        { label: data.title, data: points, pointStyle: "rect", radius, hoverRadius: radius, backgroundColor: shade, borderWidth: 0 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            /** @param {any} item */
            label: (item) => {
              const point = points[item.dataIndex];
              return `${days[point.y]} ${String(point.x).padStart(2, "0")}:00: ${valueText(point.v, minCount)}`;
            },
          },
        },
      },
      scales: {
        x: {
          type: "linear", min: -0.5, max: 23.5,
          ticks: { stepSize: 1, color: palette.muted, callback: hourTick },
          grid: { display: false },
        },
        y: {
          type: "linear", min: -0.5, max: 6.5, reverse: true,
          ticks: { stepSize: 1, color: palette.muted, callback: dayTick },
          grid: { display: false },
        },
      },
    },
  };
}
