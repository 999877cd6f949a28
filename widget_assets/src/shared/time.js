// Parses the server's ISO-8601 timestamps. Microseconds are cut to milliseconds because not every
// engine accepts more than three fractional digits.
/** @param {unknown} iso */
export function parseTime(iso) {
  if (typeof iso !== "string") return null;
  const date = new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(date.getTime()) ? null : date;
}

// Short, locale-aware label: the time for today, date and time otherwise.
/**
 * @param {unknown} iso
 * @param {Date} [now]
 */
export function formatTime(iso, now = new Date()) {
  const date = parseTime(iso);
  if (!date) return "";
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === now.toDateString()) return time;
  return date.toLocaleDateString([], { month: "short", day: "numeric" }) + " " + time;
}
