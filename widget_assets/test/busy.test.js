import { test } from "uvu";
import * as assert from "uvu/assert";
import { busyBackoff, busyRetryAfter } from "../src/widget/busy.js";

/**
 * What socket.io-client hands connect_error for a polling handshake answered with `status`.
 * @param {number} status
 * @param {string} body
 * @param {string | null} retryAfter
 */
function refused(status, body, retryAfter) {
  const header = (/** @type {string} */ name) => (name === "Retry-After" ? retryAfter : null);
  const xhr = { responseText: body, getResponseHeader: header };
  return Object.assign(new Error("xhr poll error"), { description: status, context: xhr });
}

const busyBody = JSON.stringify({ ok: false, error: { code: "chat_busy", message: "full", fields: {} } });

test("a 503 chat_busy refusal gives its Retry-After", () => {
  assert.is(busyRetryAfter(refused(503, busyBody, "5")), 5);
  assert.is(busyRetryAfter(refused(503, busyBody, null)), 5);
  assert.is(busyRetryAfter(refused(503, busyBody, "86400")), 300);
});

test("anything else is no busy refusal", () => {
  assert.is(busyRetryAfter(refused(503, "Service Unavailable", "5")), null);
  assert.is(busyRetryAfter(refused(503, JSON.stringify({ ok: false, error: { code: "server_cannot_hold_connections" } }), null)), null);
  assert.is(busyRetryAfter(refused(429, busyBody, "5")), null);
  assert.is(busyRetryAfter(new Error("websocket error")), null);
  assert.is(busyRetryAfter(null), null);
});

test("the backoff never waits less than Retry-After, even at its most jittered", () => {
  const { delay, delayMax } = busyBackoff(5);
  assert.ok(delay * 0.5 >= 5000);
  assert.ok(delayMax >= delay);
});

test.run();
