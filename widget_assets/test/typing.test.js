import { test } from "uvu";
import * as assert from "uvu/assert";
// The one typing throttle: the widget and the console both send through it.
import { TypingSignal } from "../src/shared/typing.js";

// A fake clock: no real time passes in these tests.
function setup() {
  let now = 0;
  const timers = new Map();
  let nextId = 1;
  /** @type {boolean[]} */
  const sent = [];
  const signal = new TypingSignal((typing) => sent.push(typing), {
    every: 2000,
    idle: 3000,
    now: () => now,
    setTimer: (fn, ms) => {
      timers.set(nextId, { fn, at: now + ms });
      return nextId++;
    },
    clearTimer: (id) => timers.delete(id),
  });
  /** @param {number} ms */
  function advance(ms) {
    now += ms;
    for (const [id, timer] of Array.from(timers)) {
      if (timer.at <= now) {
        timers.delete(id);
        timer.fn();
      }
    }
  }
  return { signal, sent, advance };
}

test("sends typing once, then at most every 2 s while keys keep coming", () => {
  const { signal, sent, advance } = setup();
  signal.input();
  for (let i = 0; i < 10; i++) {
    advance(300);
    signal.input();
  }
  assert.equal(sent, [true, true]); // at 0 ms and again at 2100 ms
});

test("sends typing: false after 3 s without a key, once", () => {
  const { signal, sent, advance } = setup();
  signal.input();
  advance(2999);
  assert.equal(sent, [true]);
  advance(1);
  assert.equal(sent, [true, false]);
  advance(10000);
  assert.equal(sent, [true, false]);
});

test("stop() ends typing at once and is quiet when not typing", () => {
  const { signal, sent } = setup();
  signal.stop();
  assert.equal(sent, []);
  signal.input();
  signal.stop();
  signal.input();
  assert.equal(sent, [true, false, true]);
});

test("every key pushes the idle stop back: typing: false comes 3 s after the last key", () => {
  const { signal, sent, advance } = setup();
  signal.input();
  advance(2500);
  signal.input();
  advance(2500);
  assert.equal(sent, [true, true]); // still typing at 5 s: the first key's timer was cancelled
  advance(500);
  assert.equal(sent, [true, true, false]);
});

test.run();
