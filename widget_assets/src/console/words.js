// The console's words in the agent's language. The server renders them into console.html (`data-words`, from
// views/agent.py `console_words`, translated through the gettext catalogs); these English defaults stand in
// for any key it leaves out, so a missing or empty translation never shows blank. `{name}` placeholders are
// filled by `word(key, { name })`.
export const DEFAULTS = {
  agent: "Agent",
  sending: "Sending\u2026",
  reply_placeholder: "Write a reply\u2026 (type / for canned responses)",
  note_placeholder: "Write an internal note\u2026 Only agents see it.",
  chat_closed: "This chat is closed.",
  add_note: "Add note",
  send: "Send",
  note_hint: "Only agents see notes, never the visitor.",
  reply_hint: "The visitor sees your reply.",
  conversation: "Conversation",
  left_message_offline: "Left a message while no one was online",
  left_message: "Left a message",
  new_badge: "New",
  also_viewing: "Also viewing: {names}",
  visitor_typing: "The visitor is typing\u2026",
  seen_by_visitor: "Seen by the visitor",
  prechat_answers: "Pre-chat answers",
  agents_list: "Agents: {names}",
  agent_away: "{name} (away)",
  agent_online: "{name} (online)",
  anyone: "Anyone",
  internal_note_by: "Internal note \u00b7 {name}",
  message_actions: "Message actions",
  delete_message: "Delete message",
  delete_message_title: "Delete this message?",
  delete_message_text: "It is removed for everyone, the visitor's chat too. The deletion is logged.",
  delete: "Delete",
  delete_message_failed: "The message could not be deleted.",
  new_message_from: "New message from {name}",
  new_conversation: "New conversation: {name}",
  open_failed: "This conversation could not be opened.",
  note_failed: "Your note could not be saved.",
  reply_failed: "Your reply could not be sent.",
  file_sending: "Sending {name}\u2026",
  file_failed: "The file could not be sent.",
  invitation_sent: "Invitation sent.",
  status_failed: "Your status could not be changed.",
  load_failed: "The console could not load conversations.",
  connecting: "Connecting\u2026",
  connected: "Connected",
  reconnecting: "Reconnecting\u2026",
  disconnected: "Disconnected",
  access_changed: "Your access changed.",
  not_connected: "Not connected: {reason}",
  refused: "refused",
  someone: "Someone",
  assigned_title: "Conversation assigned to you",
  assigned_text: "{by} gave you the conversation with {name}.",
  assigned_note: "{by} gave you the conversation with {name}: {note}",
  visitor: "Visitor",
  visitor_id: "Visitor {id}",
  visitor_zone: "Visitor \u00b7 {zone} time",
  visitor_browser_os: "Visitor \u00b7 {browser} on {os}",
  visitor_one: "Visitor \u00b7 {what}",
  returning_visitor: "Returning visitor",
  returning_visits: "Returning visitor, {count} visits",
  new_visitor: "New visitor",
  status_open: "Open",
  status_closed: "Closed",
  unassigned: "Unassigned",
  assigned_you: "Assigned to you",
  assigned_to: "Assigned to {name}",
  another_agent: "another agent",
  tags_list: "Tags: {tags}",
  rated: "Rated {rating}/5",
  no_messages: "No messages yet",
  search_failed: "The search failed.",
  no_match: "No conversations match.",
  opening_transcript: "Opening the transcript\u2026",
  transcript_failed: "This transcript could not be opened.",
  file: "File: {name}",
  transcript_title: "Transcript: {name}",
  started: "Started {time}",
  ended: "Ended {time}",
  still_open: "Still open",
  duration: "Duration {duration}",
  pages_visited: "Pages visited",
  messages: "Messages",
  transcript_messages: "Transcript messages",
  internal_notes: "Internal notes",
  emails: "Emails",
  claim_failed: "Could not claim it.",
  close_failed: "Could not close it.",
  reopen_failed: "Could not reopen it.",
  email_failed: "The transcript could not be emailed.",
  transcript_sent: "Transcript sent to {email}.",
  tags_failed: "Those tags could not be saved.",
  tags_saved: "Tags saved.",
  handover_failed: "Could not hand it over.",
  handed_over: "Handed over.",
  send_transcript_to: "Send the transcript to {email}",
  no_email: "We do not know this visitor's email address.",
  to_email: "To {email}",
  online: "Online",
  online_now: "Online now",
  offline: "Offline",
  seen_at: "Seen {time}",
  invite_failed: "The invitation could not be sent.",
  visitor_blocked: "Visitor blocked.",
  block_failed: "The visitor could not be blocked.",
  select_visitor: "Select a visitor or a conversation.",
  current_page: "Current page",
  referrer: "Referrer",
  browser: "Browser",
  system: "System",
  language: "Language",
  local_time: "Local time",
  visits: "Visits",
  visits_returning: "{count} (returning visitor)",
  visits_first: "{count} (first visit)",
  first_seen: "First seen",
  department: "Department",
  email: "Email",
  network: "Network",
  this_visit: "This visit",
  customer: "Customer",
  name: "Name",
  user_id: "User id",
  plan: "Plan",
  status: "Status",
  renews: "Renews",
  card: "Card",
  pages_this_visit: "Pages this visit",
  conversations: "Conversations",
  earlier_conversations: "Earlier conversations",
  invitation_message: "Invitation message",
  invitation_default: "Hi! Can I help you with anything?",
  invite: "Invite to chat",
  proactive_chat: "Proactive chat",
  block_for: "Block for",
  block_hour: "1 hour",
  block_day: "1 day",
  block_week: "7 days",
  block_month: "30 days",
  block_visitor: "Block visitor",
  block_title: "Block this visitor?",
  block_text: "They lose the chat widget until the block ends.",
  block: "Block",
  moderation: "Moderation",
  // System lines, from the message's event (shared/system-line.js).
  system_closed: "{name} closed the chat.",
  system_reopened: "{name} reopened the chat.",
  system_ended: "The visitor ended the chat.",
};

/** @type {Record<string, string> | null} */
let words = null;

/**
 * Every word: the English defaults under what the page carries (read once).
 * @returns {Record<string, string> & typeof DEFAULTS}
 */
export function allWords() {
  if (words === null) words = mergeWords(typeof document === "undefined" ? null : document.getElementById("livechat-console"));
  return /** @type {Record<string, string> & typeof DEFAULTS} */ (words);
}

/**
 * The defaults, then each non-empty string of the page's `data-words` (unparsable: the defaults alone).
 * @param {{ dataset: DOMStringMap } | null} root
 * @returns {Record<string, string>}
 */
export function mergeWords(root) {
  /** @type {Record<string, string>} */
  const merged = { ...DEFAULTS };
  for (const [key, value] of Object.entries(pageWords(root))) if (typeof value === "string" && value) merged[key] = value;
  return merged;
}

/**
 * @param {{ dataset: DOMStringMap } | null} root
 * @returns {Record<string, unknown>}
 */
function pageWords(root) {
  try {
    const parsed = JSON.parse((root && root.dataset.words) || "{}");
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch (error) {
    return {};
  }
}

/**
 * One word, its `{name}` placeholders filled.
 * @param {keyof typeof DEFAULTS | string} key
 * @param {Record<string, string | number>} [values]
 */
export function word(key, values) {
  const all = allWords();
  let text = all[key] || /** @type {Record<string, string>} */ (DEFAULTS)[key] || key;
  if (values) for (const [name, value] of Object.entries(values)) text = text.split("{" + name + "}").join(String(value));
  return text;
}

/**
 * Whether the page gave this key (words with an English-only default rule, such as "2nd chat").
 * @param {string} key
 */
export function given(key) {
  return Object.prototype.hasOwnProperty.call(allWords(), key) && !(key in DEFAULTS);
}
