import { normalizeAck } from "./ack.js";

// Sends our own messages and re-sends the unacknowledged ones after a reconnect.
//
// client_seq starts at 1 on every connection and grows by one per send_message (protocol: Ordering).
// Re-sending is safe: the server acks a repeated client_id with the message it already stored.
export class Outbox {
  constructor(socket, onAck) {
    this.socket = socket;
    this.onAck = onAck; // (payload, ack) for each message, exactly once
    this.items = new Map(); // client_id -> payload without client_seq, in send order
    this.nextSeq = 1;
  }

  // Call from the "connect" handler: a new connection numbers from 1 again.
  restart() {
    this.nextSeq = 1;
    for (const payload of this.items.values()) this.emit(payload);
  }

  send(payload) {
    this.items.set(payload.client_id, payload);
    // While disconnected we keep the message here rather than in Socket.IO's buffer: that buffer is
    // flushed before our "connect" handler runs, so it would carry the old connection's client_seq.
    if (this.socket.connected) this.emit(payload);
  }

  emit(payload) {
    const clientId = payload.client_id;
    const packet = Object.assign({}, payload, { client_seq: this.nextSeq++ });
    this.socket.emit("send_message", packet, (ack) => {
      if (!this.items.has(clientId)) return; // settled by an earlier ack (message sent twice)
      this.items.delete(clientId);
      this.onAck(payload, normalizeAck(ack));
    });
  }
}
