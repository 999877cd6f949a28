/**
 * The widget's words by key (flask_livechat/i18n.py), as settings.json's `strings` brings them.
 * @typedef {Record<string, string>} Strings
 */

// Fills "{name}" placeholders of the server's strings (flask_livechat/i18n.py). Unknown
// placeholders stay as they are, so a translation with a typo still reads.
/**
 * @param {string} template
 * @param {Record<string, unknown>} [values]
 */
export function fill(template, values = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, /** @type {string} */ key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}
