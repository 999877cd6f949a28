// The messages of one thread: confirmed messages ordered by seq and de-duplicated by id, followed by
// our own messages that still wait for their ack ("pending").
//
// Every entry has a stable `key` for the view. A confirmed message inherits the key of the pending
// entry it settles, so the view updates that bubble in place instead of replacing it.
/**
 * A message as the server sends it (protocol: "Messages"), or one of ours still waiting for its ack.
 * @typedef {object} Message
 * @property {string | number} [id]
 * @property {string} [conversation_id]
 * @property {number} [seq]
 * @property {string} [client_id]
 * @property {string} sender "visitor", "agent" or "system"
 * @property {string | null} [author]
 * @property {string} body
 * @property {string} [created_at]
 * @property {any} [attachment]
 * @property {{ type: string, name: string | null } | null} [event] a system line's event (docs/protocol.md)
 */

/**
 * A confirmed message has an id, a conversation and a seq.
 * @typedef {Message & { id: string | number, conversation_id: string, seq: number }} StoredMessage
 */

/** @typedef {{ key: string, message: Message, pending: boolean }} Entry */

export class MessageStore {
  /** @param {string} ownSender "visitor" in the widget, "agent" in the console */
  constructor(ownSender) {
    this.ownSender = ownSender;
    /** @type {Map<string | number, Entry & { message: StoredMessage }>} id -> entry */
    this.confirmed = new Map();
    /** @type {Map<string, Entry>} client_id -> entry */
    this.pending = new Map();
    /** @type {Map<string, number>} conversation_id -> order of first appearance */
    this.conversationRank = new Map();
  }

  get isEmpty() {
    return this.confirmed.size === 0 && this.pending.size === 0;
  }

  /**
   * Adds a server message. Returns true if it was not known before.
   * @param {unknown} message
   */
  add(message) {
    if (!isMessage(message) || this.confirmed.has(message.id)) return false;
    const clientId = message.client_id || "";
    const own = message.sender === this.ownSender ? this.pending.get(clientId) : undefined;
    if (own) this.pending.delete(clientId);
    if (!this.conversationRank.has(message.conversation_id)) {
      this.conversationRank.set(message.conversation_id, this.conversationRank.size);
    }
    this.confirmed.set(message.id, { key: own ? own.key : "m:" + message.id, message, pending: false });
    return true;
  }

  clear() {
    this.confirmed.clear();
    this.pending.clear();
    this.conversationRank.clear();
  }

  /**
   * @param {string} clientId
   * @param {string} body
   */
  addPending(clientId, body) {
    const message = { client_id: clientId, sender: this.ownSender, author: null, body };
    this.pending.set(clientId, { key: "p:" + clientId, message, pending: true });
  }

  /** @param {string} clientId */
  removePending(clientId) {
    return this.pending.delete(clientId);
  }

  // Moderation deleted a message: drop it from view. Returns true if it was shown.
  /** @param {string | number} id */
  remove(id) {
    return this.confirmed.delete(id);
  }

  // The highest seq of a confirmed message from `sender` (0 if none), e.g. for read receipts.
  /** @param {string} sender */
  lastSeqFrom(sender) {
    let last = 0;
    for (const entry of this.confirmed.values()) {
      if (entry.message.sender === sender && entry.message.seq > last) last = entry.message.seq;
    }
    return last;
  }

  // The highest seq of any confirmed message (0 if none).
  lastSeq() {
    let last = 0;
    for (const entry of this.confirmed.values()) last = Math.max(last, entry.message.seq);
    return last;
  }

  // Display order: by seq, never by arrival (protocol: Ordering). seq restarts in every conversation,
  // so a visitor's newer conversation sorts after the older one it may still have on screen.
  entries() {
    /** @param {Entry & { message: StoredMessage }} entry */
    const rank = (entry) => this.conversationRank.get(entry.message.conversation_id) || 0;
    /** @type {Entry[]} */
    const confirmed = Array.from(this.confirmed.values()).sort(
      (a, b) => rank(a) - rank(b) || a.message.seq - b.message.seq,
    );
    return confirmed.concat(Array.from(this.pending.values()));
  }
}

/**
 * @param {any} value
 * @returns {value is StoredMessage}
 */
function isMessage(value) {
  return (
    value != null &&
    typeof value === "object" &&
    (typeof value.id === "string" || typeof value.id === "number") &&
    Number.isInteger(value.seq) &&
    typeof value.body === "string"
  );
}
