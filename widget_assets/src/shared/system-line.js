/** @typedef {import("./messages.js").Message} Message */

// A system line in the reader's words ("system_closed": "{name} closed the chat."), from its event
// (docs/protocol.md); a line stored before events, or an event these words do not cover, shows its stored
// English body. The widget passes the visitor's words, the console the agent's (console.html data-words).
/**
 * @param {Message} m
 * @param {Record<string, string>} words
 * @returns {string}
 */
export function systemLine(m, words) {
  const event = m.event;
  const template = event ? words["system_" + event.type] : undefined;
  return template && event ? template.replace("{name}", () => event.name || "") : m.body;
}
