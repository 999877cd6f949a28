// Unread messages are derived, never counted by hand: the agent's messages of the open
// conversation after the visitor's read mark. Every tab computes the same number.
/**
 * @param {{ conversation_id?: string, sender: string, seq?: number }[]} messages
 * @param {string | null} conversationId
 * @param {number} readSeq
 */
export function unreadCount(messages, conversationId, readSeq) {
  if (!conversationId) return 0;
  let count = 0;
  for (const m of messages) {
    if (m.conversation_id === conversationId && m.sender === "agent" && (m.seq || 0) > readSeq) count++;
  }
  return count;
}

const PREFIX = /^\(\d+\+?\) /;

// "(3) Pricing" while there is something unread; the page's own title otherwise.
/**
 * @param {string} title
 * @param {number} count
 */
export function titleWithCount(title, count) {
  const base = String(title).replace(PREFIX, "");
  if (count <= 0) return base;
  return "(" + (count > 99 ? "99+" : count) + ") " + base;
}
