// The messages of one thread: confirmed messages ordered by seq and de-duplicated by id, followed by
// our own messages that still wait for their ack ("pending").
//
// Every entry has a stable `key` for the view. A confirmed message inherits the key of the pending
// entry it settles, so the view updates that bubble in place instead of replacing it.
export class MessageStore {
  constructor(ownSender) {
    this.ownSender = ownSender; // "visitor" in the widget, "agent" in the console
    this.confirmed = new Map(); // id -> entry
    this.pending = new Map(); // client_id -> entry
    this.conversationRank = new Map(); // conversation_id -> order of first appearance
  }

  get isEmpty() {
    return this.confirmed.size === 0 && this.pending.size === 0;
  }

  // Adds a server message. Returns true if it was not known before.
  add(message) {
    if (!isMessage(message) || this.confirmed.has(message.id)) return false;
    const own = message.sender === this.ownSender ? this.pending.get(message.client_id) : undefined;
    if (own) this.pending.delete(message.client_id);
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

  addPending(clientId, body) {
    const message = { client_id: clientId, sender: this.ownSender, author: null, body };
    this.pending.set(clientId, { key: "p:" + clientId, message, pending: true });
  }

  removePending(clientId) {
    return this.pending.delete(clientId);
  }

  // Moderation deleted a message: drop it from view. Returns true if it was shown.
  remove(id) {
    return this.confirmed.delete(id);
  }

  // The highest seq of a confirmed message from `sender` (0 if none), e.g. for read receipts.
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
    const rank = (entry) => this.conversationRank.get(entry.message.conversation_id);
    const confirmed = Array.from(this.confirmed.values()).sort(
      (a, b) => rank(a) - rank(b) || a.message.seq - b.message.seq,
    );
    return confirmed.concat(Array.from(this.pending.values()));
  }
}

function isMessage(value) {
  return (
    value != null &&
    typeof value === "object" &&
    (typeof value.id === "string" || typeof value.id === "number") &&
    Number.isInteger(value.seq) &&
    typeof value.body === "string"
  );
}
