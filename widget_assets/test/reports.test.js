import { test } from "uvu";
import * as assert from "uvu/assert";
import { chartConfig, valueText, withAlpha } from "../src/reports/charts.js";

const palette = { text: "#111111", muted: "#444444", grid: "#eeeeee", suppressed: "#999999", series: ["#1d4ed8", "#c2410c"] };

test("a suppressed figure stays a gap in a bar chart and reads '< N' in its tooltip", () => {
  const data = { key: "k", title: "Chats", chart: "bar", labels: ["a", "b"], series: [{ name: "Chats", values: [7, null] }] };
  const config = chartConfig(data, palette, 5);
  assert.is(config.type, "bar");
  assert.equal(config.data.datasets[0].data, [7, null]);
  const label = config.options.plugins.tooltip.callbacks.label;
  assert.is(label({ dataset: { label: "Chats" }, datasetIndex: 0, dataIndex: 1 }), "Chats: < 5");
  assert.is(label({ dataset: { label: "Chats" }, datasetIndex: 0, dataIndex: 0 }), "Chats: 7");
});

test("the heat map has one square per weekday and hour, grey where suppressed, darkest at the maximum", () => {
  const series = Array.from({ length: 24 }, (_, hour) => ({
    name: `${hour}:00`,
    values: Array.from({ length: 7 }, (_, day) => (day === 0 && hour === 1 ? null : day === 2 && hour === 3 ? 10 : 0)),
  }));
  const labels = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  const config = chartConfig({ key: "h", title: "Busiest", chart: "heatmap", labels, series }, palette, 5);
  const dataset = config.data.datasets[0];
  assert.is(dataset.data.length, 7 * 24);
  const index = (/** @type {number} */ day, /** @type {number} */ hour) => day * 24 + hour;
  assert.is(dataset.backgroundColor({ dataIndex: index(0, 1) }), "#999999");
  assert.is(dataset.backgroundColor({ dataIndex: index(2, 3) }), withAlpha("#1d4ed8", 1));
  assert.is(config.options.plugins.tooltip.callbacks.label({ dataIndex: index(0, 1) }), "Monday 01:00: < 5");
});

test("doughnuts draw suppressed shares as nothing; withAlpha and valueText", () => {
  const data = { key: "d", title: "B", chart: "doughnut", labels: ["x", "y"], series: [{ name: "Visitors", values: [null, 6] }] };
  assert.equal(chartConfig(data, palette, 5).data.datasets[0].data, [0, 6]);
  assert.is(withAlpha("#ff0000", 0.5), "rgba(255, 0, 0, 0.5)");
  assert.is(valueText(1234, 5), "1,234");
  assert.is(valueText(null, 3), "< 3");
});

test.run();
