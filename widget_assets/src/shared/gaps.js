// Gap filling (protocol: "Delivery: acks, resume and gaps"), for the widget and the console alike.
//
// For every conversation it watches, the tracker knows the highest seq it has without a gap and the seqs
// it has beyond that. A message that lands beyond the next seq means a broadcast was lost (a queue outage,
// say): it asks fetch_messages for what lies between, again while the answer says `more` or a gap remains.

/**
 * The fetch_messages ack, as far as the tracker reads it.
 * @typedef {{ ok: boolean, messages?: unknown[], more?: boolean, last_seq?: number }} FetchAck
 */

/**
 * @typedef {object} GapOptions
 * @property {(conversationId: string, afterSeq: number) => Promise<FetchAck>} fetch asks the server
 * @property {(messages: unknown[], conversationId: string) => void} receive takes the fetched messages
 * @property {() => boolean} [ready] false while a fetch could not be sent (disconnected)
 */

/** @typedef {{ seq: number, ahead: Set<number>, fetching: boolean, asked: number }} Track */

export class GapFiller {
  /** @param {GapOptions} options */
  constructor({ fetch, receive, ready = () => true }) {
    this.fetch = fetch;
    this.receive = receive;
    this.ready = ready;
    /** @type {Map<string, Track>} conversation id -> what we have of it */
    this.tracks = new Map();
  }

  /**
   * Starts watching a conversation whose messages up to `seq` are all here (0: none yet).
   * @param {string} conversationId
   * @param {number} [seq]
   */
  watch(conversationId, seq = 0) {
    if (!this.tracks.has(conversationId)) this.tracks.set(conversationId, { seq: 0, ahead: new Set(), fetching: false, asked: 0 });
    this.covered(conversationId, seq);
  }

  // The conversations watched, in the order watching began.
  watched() {
    return Array.from(this.tracks.keys());
  }

  /** @param {string} conversationId */
  isWatching(conversationId) {
    return this.tracks.has(conversationId);
  }

  // Forgets every conversation (the widget starts over with a new one, or the visitor's data is gone).
  clear() {
    this.tracks.clear();
  }

  /**
   * The highest seq of a watched conversation that we have without a gap (0 when not watched).
   * @param {string} conversationId
   */
  lastSeq(conversationId) {
    const track = this.tracks.get(conversationId);
    return track ? track.seq : 0;
  }

  /**
   * Notes a message that arrived (pushed, acked or fetched); asks for a gap it reveals.
   * @param {unknown} message
   */
  note(message) {
    if (!message || typeof message !== "object") return;
    const { conversation_id: id, seq } = /** @type {{ conversation_id?: unknown, seq?: unknown }} */ (message);
    if (typeof id !== "string" || typeof seq !== "number" || !Number.isInteger(seq)) return;
    const track = this.tracks.get(id);
    if (!track) return;
    if (seq > track.seq) track.ahead.add(seq);
    while (track.ahead.delete(track.seq + 1)) track.seq += 1;
    if (track.ahead.size) this.fill(id);
  }

  /**
   * Everything up to `seq` is here, except messages deleted meanwhile (which never come back).
   * @param {string} conversationId
   * @param {number} seq
   */
  covered(conversationId, seq) {
    const track = this.tracks.get(conversationId);
    if (!track) return;
    track.seq = Math.max(track.seq, seq);
    for (const s of track.ahead) if (s <= track.seq) track.ahead.delete(s);
  }

  // A new connection: requests of the last one never resolve, so none is in flight any more.
  restart() {
    for (const track of this.tracks.values()) {
      track.fetching = false;
      track.asked += 1;
    }
  }

  /**
   * Asks for the messages after the last one we have without a gap (one request at a time).
   * @param {string} conversationId
   */
  fill(conversationId) {
    const track = this.tracks.get(conversationId);
    if (!track || track.fetching || !this.ready()) return;
    track.fetching = true;
    const asked = ++track.asked;
    this.fetch(conversationId, track.seq).then((ack) => {
      // Forgotten meanwhile, or asked again on a new connection: this answer is stale.
      if (this.tracks.get(conversationId) !== track || track.asked !== asked) return;
      if (!ack.ok) {
        track.fetching = false;
        return;
      }
      const messages = Array.isArray(ack.messages) ? ack.messages : [];
      // Noted while still fetching, so a gap that only looks open halfway through the answer asks nothing.
      this.receive(messages, conversationId);
      for (const message of messages) this.note(message);
      track.fetching = false;
      if (!ack.more && typeof ack.last_seq === "number" && Number.isInteger(ack.last_seq)) this.covered(conversationId, ack.last_seq);
      if (ack.more || track.ahead.size) this.fill(conversationId);
    });
  }
}
