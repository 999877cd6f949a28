// Text helpers of the console. Everything here returns plain strings; callers put them in with textContent.
import { parseTime } from "../shared/time.js";
import { given, word } from "./words.js";

const PREVIEW_LENGTH = 80;

// An anonymous visitor is named by what we know of them, never by an id: their name, their email, the time
// zone their browser reported ("Visitor \u00b7 Berlin time": a zone, not a place, so it says "time"), then
// their browser and system. Only with none of these, the id's last characters tell two visitors apart.
/**
 * @param {Partial<LiveChatVisitor> | null | undefined} visitor
 * @param {Partial<LiveChatVisitor> | null | undefined} [live] the live list's copy (browser, system, zone)
 */
export function visitorLabel(visitor, live = null) {
  const v = Object.assign({}, stripEmpty(live || {}), stripEmpty(visitor || {}));
  if (v.name) return v.name;
  if (v.email) return v.email;
  const zone = zoneName(v.timezone);
  if (zone) return word("visitor_zone", { zone });
  if (v.browser && v.os) return word("visitor_browser_os", { browser: v.browser, os: v.os });
  if (v.browser || v.os) return word("visitor_one", { what: v.browser || v.os });
  const id = String(v.id || "");
  return id ? word("visitor_id", { id: id.slice(-4) }) : word("visitor");
}

/** @param {Record<string, any>} object */
function stripEmpty(object) {
  /** @type {Record<string, any>} */
  const out = {};
  // The user-agent parser says "Other" for what it does not know: that is no name.
  for (const [key, value] of Object.entries(object)) if (value != null && value !== "" && value !== "Other") out[key] = value;
  return out;
}

// "Europe/Berlin" -> "Berlin", "America/Argentina/Buenos_Aires" -> "Buenos Aires", "UTC" -> "UTC".
/** @param {unknown} timezone */
export function zoneName(timezone) {
  if (typeof timezone !== "string" || !/^[A-Za-z_+\-/0-9]{1,64}$/.test(timezone)) return "";
  const last = timezone.split("/").pop() || "";
  if (timezone.startsWith("Etc/")) return last.replace(/^GMT/, "GMT ");
  return last.replace(/_/g, " ");
}

// Two letters for an avatar: "Ada Lovelace" -> "AL", "ada@example.org" -> "A", an anonymous visitor -> "?".
/** @param {Partial<LiveChatVisitor> | null | undefined} visitor */
export function initials(visitor) {
  const name = visitor && (visitor.name || visitor.email);
  if (!name) return "?";
  const words = String(name).split("@")[0].split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || "?")[0];
  return letters.toUpperCase();
}

// The same visitor gets the same avatar colour everywhere (one of 8 classes, all AA with white text).
/** @param {unknown} id */
export function avatarClass(id) {
  let hash = 0;
  for (const ch of String(id || "")) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const n = hash % 8;
  return "lc-avatar" + (n ? " lc-av-" + n : "");
}

/** @param {LiveChatConversation} conversation */
export function describe(conversation) {
  const visitor = conversation.visitor || /** @type {Partial<LiveChatVisitor>} */ ({});
  const parts = [];
  if (visitor.email) parts.push(visitor.email);
  if (visitor.returning) parts.push(visitor.visit_count ? word("returning_visits", { count: visitor.visit_count }) : word("returning_visitor"));
  else parts.push(word("new_visitor"));
  return parts.join(" \u00b7 ");
}

// "Open · Assigned to Ada · Tags: vip · Rated 5/5"
/**
 * @param {LiveChatConversation} conversation
 * @param {string | null} selfId
 */
export function statusText(conversation, selfId) {
  const parts = [conversation.status === "closed" ? word("status_closed") : word("status_open")];
  if (conversation.assigned_agent_id == null) parts.push(word("unassigned"));
  else if (conversation.assigned_agent_id === selfId) parts.push(word("assigned_you"));
  else parts.push(word("assigned_to", { name: conversation.assigned_agent_name || word("another_agent") }));
  if (conversation.tags && conversation.tags.length) parts.push(word("tags_list", { tags: conversation.tags.join(", ") }));
  if (conversation.rating != null) parts.push(ratingText(conversation));
  return parts.join(" \u00b7 ");
}

// "2nd chat": a returning visitor's new conversation is a new conversation, numbered like Crisp's
// and Intercom's "previous conversations"; the first one says nothing.
/** @param {{ chat_number?: number }} conversation */
export function chatNumberText(conversation) {
  const n = Number(conversation.chat_number) || 1;
  if (n < 2) return "";
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
  if (given("chat_number")) return word("chat_number", { count: n });
  return n + suffix + " chat";
}

// What the visitor answered in the pre-chat form, as [label, value] pairs (name and email are elsewhere).
/** @param {{ answers?: { label: string, value: string }[] } | null | undefined} holder a visitor or a transcript */
export function answersOf(holder) {
  const answers = holder && Array.isArray(holder.answers) ? holder.answers : [];
  return answers.filter((a) => a && a.label && a.value != null && a.value !== "");
}

/** @param {{ rating?: number | null, rating_comment?: string | null }} conversation */
export function ratingText(conversation) {
  if (conversation.rating == null) return "";
  const comment = conversation.rating_comment ? " \u201c" + conversation.rating_comment + "\u201d" : "";
  return word("rated", { rating: conversation.rating }) + comment;
}

/** @param {{ sender: string, author?: string | null, body: string } | null | undefined} message */
export function preview(message) {
  if (!message) return word("no_messages");
  const prefix = message.sender === "agent" ? (message.author || word("agent")) + ": " : "";
  const text = prefix + String(message.body || "").replace(/\s+/g, " ").trim();
  return text.length > PREVIEW_LENGTH ? text.slice(0, PREVIEW_LENGTH - 1) + "\u2026" : text;
}

/** @param {unknown} seconds */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return h + " h " + m + " min";
  if (m) return m + " min " + rest + " s";
  return rest + " s";
}

/** @param {unknown} iso */
export function dateTime(iso) {
  const date = parseTime(iso);
  return date ? date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

// The visitor's wall-clock time now, from the IANA zone their browser reported.
/**
 * @param {string | null | undefined} timezone
 * @param {Date} [now]
 */
export function localTime(timezone, now = new Date()) {
  if (!timezone) return "";
  try {
    return now.toLocaleTimeString([], { timeZone: timezone, hour: "2-digit", minute: "2-digit" }) + " (" + timezone + ")";
  } catch (error) {
    return "";
  }
}

// Most recently updated first. The server's ISO timestamps share one format and offset, so plain
// string comparison orders them (and keeps the microseconds Date would drop).
/**
 * @param {{ id: string, updated_at?: string, last_seen_at?: string }} a
 * @param {{ id: string, updated_at?: string, last_seen_at?: string }} b
 */
export function byMostRecent(a, b) {
  const ua = a.updated_at || a.last_seen_at || "";
  const ub = b.updated_at || b.last_seen_at || "";
  if (ua !== ub) return ua < ub ? 1 : -1;
  return String(a.id) < String(b.id) ? -1 : 1;
}

/**
 * @param {LiveChatConversation} incoming
 * @param {LiveChatConversation} known
 */
export function isOlder(incoming, known) {
  const seqIn = incoming.last_seq || 0;
  const seqKnown = known.last_seq || 0;
  if (seqIn !== seqKnown) return seqIn < seqKnown;
  return (incoming.updated_at || "") < (known.updated_at || "");
}
