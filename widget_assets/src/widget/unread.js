// Unread messages are derived, never counted by hand: the agent's messages of the open
// conversation after the visitor's read mark. Every tab computes the same number.
export function unreadCount(messages, conversationId, readSeq) {
  if (!conversationId) return 0;
  let count = 0;
  for (const m of messages) {
    if (m.conversation_id === conversationId && m.sender === "agent" && m.seq > readSeq) count++;
  }
  return count;
}

const PREFIX = /^\(\d+\+?\) /;

// "(3) Pricing" while there is something unread; the page's own title otherwise.
export function titleWithCount(title, count) {
  const base = String(title).replace(PREFIX, "");
  if (count <= 0) return base;
  return "(" + (count > 99 ? "99+" : count) + ") " + base;
}
