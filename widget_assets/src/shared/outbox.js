import { normalizeAck } from "./ack.js";
import { maskCardNumbers } from "./redact.js";

// Sends our own messages and re-sends the unacknowledged ones after a reconnect or a page load.
//
// client_seq starts at 1 on every connection and grows by one per send_message (protocol: Ordering).
// Re-sending is safe: the server acks a repeated client_id with the message it already stored.
// With a storage `key`, unacknowledged messages are kept in localStorage while `persist(true)` says that is
// allowed, so a reload sends them too; otherwise (and without a key) only in memory. Storage is not even
// looked at (no read, no probe) before the first `persist(true)`: reading the browser's storage needs the
// visitor's consent as much as writing it does.
export const RETRY_MS = 3000; // an "unavailable" ack (store outage): try the same message again after this

/** @param {string | null} key */
function localStore(key) {
  if (!key) return null;
  // Called on the first persist(true) only; a blocked or absent storage fails inside load() and save(),
  // which then keep messages in memory only.
  try {
    return window.localStorage;
  } catch (error) {
    return null; // access itself refused (privacy settings, sandboxed frame)
  }
}

export const LONGEST_RETRY_MS = 60000;

/**
 * Milliseconds until a refused message may be sent again, or null when the refusal is final. An overloaded
 * server says when; each further refusal of the same message doubles that (up to a minute), so the retries
 * of everyone refused thin out instead of coming back as a storm while the overload lasts.
 * @param {import("./ack.js").Ack} ack
 * @param {number} retryMs
 * @param {number} [refusals] earlier refusals of this message
 */
export function retryDelay(ack, retryMs, refusals = 0) {
  const error = !ack.ok && ack.error;
  if (!error) return null;
  if (error.code === "unavailable") return retryMs;
  if (error.code !== "overloaded") return null;
  const seconds = Number(error.fields && error.fields.retry_after);
  const base = seconds > 0 && seconds < 600 ? seconds * 1000 : retryMs;
  const wait = Math.min(LONGEST_RETRY_MS, base * 2 ** Math.min(refusals, 10));
  return wait + Math.floor(Math.random() * (wait / 2)); // spread, so they do not all come back at once
}

/**
 * A send_message payload without its client_seq (the console adds conversation_id).
 * @typedef {{ client_id: string, body: string, conversation_id?: string }} OutboxPayload
 */

export class Outbox {
  /**
   * @param {{ connected: boolean, emit: (event: string, payload: object, ack: (ack: unknown) => void) => void }} socket
   * @param {(payload: OutboxPayload, ack: import("./ack.js").Ack) => void} onAck
   * @param {{ key?: string | null, storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null, retryMs?: number }} [options]
   */
  constructor(socket, onAck, { key = null, storage, retryMs = RETRY_MS } = {}) {
    this.socket = socket;
    this.key = key;
    this.retryMs = retryMs;
    this.onAck = onAck; // (payload, ack) for each message, exactly once
    this.items = new Map(); // client_id -> payload without client_seq, in send order
    this.inFlight = new Set(); // client_ids emitted on this connection and not yet acknowledged
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.resumeTimer = null; // while set, the server asked us to wait: nothing is emitted until it fires
    this.holds = 0; // waits in a row without a message accepted (each one doubles the next)
    this.draining = false; // after a wait: one message at a time, each once the one before is acknowledged
    this.nextSeq = 1;
    /** @type {Pick<Storage, "getItem" | "setItem" | "removeItem"> | null | undefined} */
    this.given = storage;
    /** @type {Pick<Storage, "getItem" | "setItem" | "removeItem"> | null} */
    this.storage = null; // set by the first persist(true)
    this.allowed = false;
  }

  // The messages not yet acknowledged (a previous page's too, once persist(true) restored them).
  pending() {
    return Array.from(this.items.values());
  }

  // Whether we may keep messages in local storage (the visitor allowed recognition); forgets them if not.
  // The first allowed call opens the storage and returns what a previous page left there (sent now).
  /** @param {boolean} allowed */
  persist(allowed) {
    this.allowed = allowed;
    /** @type {OutboxPayload[]} */
    const restored = [];
    if (allowed && !this.storage) {
      this.storage = this.given === undefined ? localStore(this.key) : this.given;
      for (const payload of this.load()) {
        if (this.items.has(payload.client_id)) continue;
        this.items.set(payload.client_id, payload);
        restored.push(payload);
        if (this.socket.connected) this.emit(payload);
      }
    }
    this.save();
    return restored;
  }

  load() {
    if (!this.storage || !this.key) return [];
    try {
      const saved = JSON.parse(this.storage.getItem(this.key) || "[]");
      return Array.isArray(saved)
        ? saved.filter((p) => p && typeof p.client_id === "string" && typeof p.body === "string")
        : [];
    } catch (error) {
      return [];
    }
  }

  save() {
    if (!this.storage || !this.key) return;
    try {
      if (this.allowed && this.items.size) {
        // Card numbers never rest in the browser: the stored copy is masked as the server would store it.
        const kept = Array.from(this.items.values(), (p) => Object.assign({}, p, { body: maskCardNumbers(p.body) }));
        this.storage.setItem(this.key, JSON.stringify(kept));
      } else {
        this.storage.removeItem(this.key);
      }
    } catch (error) {
      // quota or a storage revoked meanwhile: memory still has them
    }
  }

  // Call from the "connect" handler: a new connection numbers from 1 again.
  restart() {
    this.nextSeq = 1;
    this.inFlight.clear();
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = null;
    this.draining = false;
    for (const payload of this.items.values()) this.emit(payload);
  }

  /** @param {OutboxPayload} payload */
  send(payload) {
    this.items.set(payload.client_id, payload);
    this.save();
    // While disconnected we keep the message here rather than in Socket.IO's buffer: that buffer is
    // flushed before our "connect" handler runs, so it would carry the old connection's client_seq.
    if (this.socket.connected && !this.resumeTimer && !this.draining) this.emit(payload);
  }

  // Nothing is sent for `wait` ms; then the messages not acknowledged go again one at a time, oldest first,
  // each once the one before is accepted: a refused message is never overtaken by one written after it, and
  // a server still past saturation refuses at most one message of ours per wait, not every one waiting.
  /** @param {number} wait */
  hold(wait) {
    this.draining = false;
    if (this.resumeTimer) return; // already waiting (its other messages refused too): the resume sends it
    this.holds += 1;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      if (!this.socket.connected) return; // restart() sends them on the next connection
      this.draining = true;
      this.sendNext();
    }, wait);
  }

  // While draining: the oldest message not acknowledged, when none is on its way; done once none is left.
  sendNext() {
    if (!this.draining || !this.socket.connected || this.resumeTimer || this.inFlight.size) return;
    const next = this.items.values().next();
    if (next.done) this.draining = false;
    else this.emit(next.value);
  }

  /** @param {OutboxPayload} payload */
  emit(payload) {
    const clientId = payload.client_id;
    const packet = Object.assign({}, payload, { client_seq: this.nextSeq++ });
    this.inFlight.add(clientId);
    this.socket.emit("send_message", packet, (ack) => {
      this.inFlight.delete(clientId);
      if (!this.items.has(clientId)) return; // settled by an earlier ack (message sent twice)
      const normalized = normalizeAck(ack);
      // Nothing was stored, for now: "unavailable" (store outage) or "overloaded" (the server is past
      // saturation and says when to come back); keep it, wait, and send it again then. The server refuses
      // this connection's messages already on their way meanwhile, so none overtakes it.
      const wait = retryDelay(normalized, this.retryMs, this.holds);
      if (wait !== null) {
        this.hold(wait);
        return;
      }
      if (normalized.ok) this.holds = 0;
      this.items.delete(clientId);
      this.save();
      this.onAck(payload, normalized);
      this.sendNext();
    });
  }
}
