// Fills "{name}" placeholders of the server's strings (flask_livechat/i18n.py). Unknown
// placeholders stay as they are, so a translation with a typo still reads.
export function fill(template, values = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}
