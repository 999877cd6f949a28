import { test } from "uvu";
import * as assert from "uvu/assert";
import { Outbox, retryDelay } from "../src/shared/outbox.js";

function fakeSocket() {
  return {
    connected: true,
    /** @type {{ event: string, packet: any, callback: (ack: unknown) => void }[]} */
    sent: [],
    /**
     * @param {string} event
     * @param {any} packet
     * @param {(ack: unknown) => void} callback
     */
    emit(event, packet, callback) {
      this.sent.push({ event, packet, callback });
    },
  };
}

function memoryStorage() {
  /** @type {Map<string, string>} */
  const data = new Map();
  return {
    data,
    getItem: (/** @type {string} */ key) => (data.has(key) ? data.get(key) || null : null),
    setItem: (/** @type {string} */ key, /** @type {string} */ value) => void data.set(key, String(value)),
    removeItem: (/** @type {string} */ key) => void data.delete(key),
  };
}

test("unacknowledged messages survive a reload when storage is allowed, and are resent numbered from 1", () => {
  const storage = memoryStorage();
  const firstSocket = fakeSocket();
  const first = new Outbox(firstSocket, () => {}, { key: "livechat:outbox", storage });
  first.persist(true);
  first.send({ client_id: "c-00000001", body: "one" });
  first.send({ client_id: "c-00000002", body: "two" });
  firstSocket.sent[0].callback({ ok: true, message: { id: "m1", seq: 1 } });

  const socket = fakeSocket();
  const reloaded = new Outbox(socket, () => {}, { key: "livechat:outbox", storage });
  assert.equal(reloaded.pending(), []); // nothing read before the visitor allowed it
  reloaded.restart(); // connected before the hello ack said who we are
  assert.equal(reloaded.persist(true).map((p) => p.client_id), ["c-00000002"]);
  assert.equal(reloaded.pending().map((p) => p.client_id), ["c-00000002"]);
  assert.equal(socket.sent.map((s) => [s.packet.client_id, s.packet.client_seq]), [["c-00000002", 1]]);
});

test("storage is not touched at all before persist(true): no read, no probe, no removal", () => {
  /** @type {string[]} */
  const touched = [];
  const storage = {
    getItem: (/** @type {string} */ key) => (touched.push("get " + key), null),
    setItem: (/** @type {string} */ key) => void touched.push("set " + key),
    removeItem: (/** @type {string} */ key) => void touched.push("remove " + key),
  };
  const outbox = new Outbox(fakeSocket(), () => {}, { key: "livechat:outbox", storage });
  outbox.send({ client_id: "c-00000009", body: "before any choice" });
  outbox.persist(false);
  assert.equal(touched, []);
  outbox.persist(true);
  assert.equal(touched, ["get livechat:outbox", "set livechat:outbox"]);
});

test("without permission nothing is written, and what was written is forgotten", () => {
  const storage = memoryStorage();
  const outbox = new Outbox(fakeSocket(), () => {}, { key: "livechat:outbox", storage });
  outbox.send({ client_id: "c-00000003", body: "three" });
  assert.is(storage.data.size, 0);
  outbox.persist(true);
  assert.is(storage.data.size, 1);
  outbox.persist(false);
  assert.is(storage.data.size, 0);
});

test("a card number rests in local storage only masked; the message sent keeps the visitor's text", () => {
  const storage = memoryStorage();
  const socket = fakeSocket();
  socket.connected = false;
  const outbox = new Outbox(socket, () => {}, { key: "livechat:outbox", storage });
  outbox.persist(true);
  outbox.send({ client_id: "c-00000005", body: "card 4242.4242.4242.4242 thanks" });
  const kept = storage.data.get("livechat:outbox") || "";
  assert.not.match(kept, "4242.4242.4242.4242");
  assert.match(kept, "card ••••.••••.••••.4242 thanks");
  assert.is(outbox.pending()[0].body, "card 4242.4242.4242.4242 thanks");
});

test("an unavailable ack keeps the message and tries again; other errors settle it", async () => {
  const socket = fakeSocket();
  /** @type {[string, boolean][]} */
  const settled = [];
  const outbox = new Outbox(socket, (p, ack) => settled.push([p.client_id, ack.ok]), { retryMs: 1 });
  outbox.send({ client_id: "c-00000004", body: "four" });
  socket.sent[0].callback({ ok: false, error: { code: "unavailable", message: "down" } });
  assert.is(settled.length, 0);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.is(socket.sent.length, 2);
  socket.sent[1].callback({ ok: false, error: { code: "invalid", message: "bad" } });
  assert.equal(settled, [["c-00000004", false]]);
  assert.is(outbox.pending().length, 0);
});

test("an overloaded ack holds the outbox for retry_after, then sends again one at a time, oldest first", async () => {
  assert.is(retryDelay({ ok: true }, 3000), null);
  assert.is(retryDelay({ ok: false, error: { code: "rate_limited", fields: { retry_after: 5 } } }, 3000), null);
  const busy2 = { ok: false, error: { code: "overloaded", fields: { retry_after: 2 } } };
  const wait = retryDelay(busy2, 3000);
  assert.ok(wait !== null && wait >= 2000 && wait < 3000, String(wait));
  const third = retryDelay(busy2, 3000, 2); // refused twice before: four times as long
  assert.ok(third !== null && third >= 8000 && third < 12000, String(third));
  const longest = retryDelay(busy2, 3000, 30);
  assert.ok(longest !== null && longest >= 60000 && longest < 90000, String(longest));
  const fallback = retryDelay({ ok: false, error: { code: "overloaded", fields: {} } }, 3000);
  assert.ok(fallback !== null && fallback >= 3000 && fallback < 4500, String(fallback));

  const socket = fakeSocket();
  /** @type {[string, boolean][]} */
  const settled = [];
  const outbox = new Outbox(socket, (p, ack) => settled.push([p.client_id, ack.ok]));
  outbox.send({ client_id: "c-00000005", body: "five" });
  outbox.send({ client_id: "c-00000006", body: "six" });
  const busy = { ok: false, error: { code: "overloaded", message: "busy", fields: { retry_after: 0.001 } } };
  socket.sent[0].callback(busy);
  outbox.send({ client_id: "c-00000007", body: "seven" }); // written while held: waits its turn
  assert.is(socket.sent.length, 2);
  socket.sent[1].callback(busy);
  assert.is(settled.length, 0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  // One message asks whether the server takes messages again: a server still past saturation refuses one
  // message per wait, not every message waiting.
  assert.equal(
    socket.sent.slice(2).map((sent) => sent.packet.client_id),
    ["c-00000005"],
  );
  outbox.send({ client_id: "c-00000008", body: "eight" }); // written while the probe is out: waits too
  assert.is(socket.sent.length, 3);
  socket.sent[2].callback(busy); // still refused: one more wait, and one probe again
  assert.is(outbox.holds, 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(
    socket.sent.slice(3).map((sent) => sent.packet.client_id),
    ["c-00000005"],
  );
  socket.sent[3].callback({ ok: true, message: { client_id: "c-00000005" } });
  assert.equal(settled, [["c-00000005", true]]);
  assert.is(outbox.holds, 0);
  // The rest one at a time, each once the one before is accepted.
  assert.equal(socket.sent.length, 5);
  assert.is(socket.sent[4].packet.client_id, "c-00000006");
  socket.sent[4].callback({ ok: true, message: { client_id: "c-00000006" } });
  assert.is(socket.sent[5].packet.client_id, "c-00000007");
  socket.sent[5].callback({ ok: true, message: { client_id: "c-00000007" } });
  assert.is(socket.sent[6].packet.client_id, "c-00000008");
  socket.sent[6].callback({ ok: true, message: { client_id: "c-00000008" } });
  assert.is(outbox.draining, false);
  outbox.send({ client_id: "c-00000009", body: "nine" }); // done draining: sent at once again
  outbox.send({ client_id: "c-00000010", body: "ten" });
  assert.is(socket.sent.length, 9);
});

test.run();
