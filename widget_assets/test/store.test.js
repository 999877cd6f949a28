import { test } from "uvu";
import * as assert from "uvu/assert";
import { Store } from "../src/shared/store.js";

// A store whose renders are recorded and whose scheduled task runs only when the test says so.
/** @param {Record<string, number>} initial */
function setup(initial) {
  /** @type {{ state: Record<string, number>, changed: string[], hints: import("../src/shared/store.js").RenderHints }[]} */
  const renders = [];
  /** @type {(() => void)[]} */
  const queue = [];
  const store = new Store(initial, (state, changed, hints) => renders.push({ state: { ...state }, changed: [...changed].sort(), hints }), {
    schedule: (run) => queue.push(run),
  });
  const runQueue = () => queue.splice(0).forEach((run) => run());
  return { store, renders, queue, runQueue };
}

test("update applies the patch at once and renders once for many updates", () => {
  const { store, renders, queue, runQueue } = setup({ a: 1, b: 2, c: 3 });
  store.update({ a: 10 });
  store.update({ b: 20 });
  store.update({ a: 11 });
  assert.is(store.state.a, 11); // readable before the render
  assert.is(renders.length, 0);
  assert.is(queue.length, 1); // one render scheduled, not three
  runQueue();
  assert.equal(renders, [{ state: { a: 11, b: 20, c: 3 }, changed: ["a", "b"], hints: { scrollToEnd: false, focusComposer: false } }]);
});

test("hints are merged over the updates since the last render, then reset", () => {
  const { store, renders, runQueue } = setup({ a: 1 });
  store.update({ a: 2 }, { scrollToEnd: true });
  store.update({ a: 3 }, { focusComposer: true });
  store.update({ a: 4 });
  runQueue();
  store.update({ a: 5 });
  runQueue();
  assert.equal(renders.map((r) => r.hints), [
    { scrollToEnd: true, focusComposer: true },
    { scrollToEnd: false, focusComposer: false },
  ]);
});

test("an update made by the render schedules the next render", () => {
  /** @type {(() => void)[]} */
  const queue = [];
  /** @type {number[]} */
  const seen = [];
  const store = new Store({ n: 0 }, (state) => {
    seen.push(state.n);
    if (state.n < 2) store.update({ n: state.n + 1 });
  }, { schedule: (run) => queue.push(run) });
  store.update({ n: 0 });
  for (let run = queue.shift(); run; run = queue.shift()) run();
  assert.equal(seen, [0, 1, 2]);
});

test("flush renders at once, and only when something waits", () => {
  const { store, renders, runQueue } = setup({ a: 1 });
  store.flush();
  assert.is(renders.length, 0);
  store.update({ a: 2 });
  store.flush();
  assert.is(renders.length, 1);
  runQueue(); // the scheduled task finds nothing left to do
  assert.is(renders.length, 1);
});

test("by default the render runs in a microtask, before timers", async () => {
  const order = [];
  const store = new Store({ a: 1 }, () => order.push("render"));
  setTimeout(() => order.push("timer"), 0);
  store.update({ a: 2 });
  order.push("sync");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(order, ["sync", "render", "timer"]);
});

test.run();
