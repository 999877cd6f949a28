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

/**
 * The plural forms of settings.json: every form of a string, and the form each count takes (one digit per
 * count below 200; counts from 200 on behave as 100 + n % 100 in every gettext plural rule).
 * @typedef {{ plurals?: Record<string, string[]>, plural_index?: string }} PluralSettings
 */

// The string for `count` ("{count} unread messages"), in the language's plural form: picked from data the
// server computed from CLDR rules, so no rule is evaluated as code (the widget's CSP allows no eval).
/**
 * @param {PluralSettings} settings
 * @param {string} key
 * @param {number} count
 */
export function plural(settings, key, count) {
  const forms = (settings.plurals && settings.plurals[key]) || [];
  const index = settings.plural_index || "";
  const n = Math.max(0, Math.floor(count));
  const form = Number(index[n < index.length ? n : 100 + (n % 100)] || 0);
  return fill(forms[Math.min(form, forms.length - 1)] || "", { count });
}
