import { fill } from "./text.js";

// The pre-chat and leave-a-message rules, mirrored by flask_livechat/services/prechat.py so the
// visitor hears about a problem before sending; the server checks again either way.
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * A pre-chat or leave-a-message field, as settings.json describes it.
 * @typedef {object} FieldSpec
 * @property {string} name
 * @property {string} label
 * @property {string} type "text", "email", "textarea" or "select"
 * @property {boolean} required
 * @property {number} [max_length]
 * @property {string[]} [options]
 */

/**
 * @param {FieldSpec} field
 * @param {unknown} rawValue
 * @param {import("./text.js").Strings} words
 * @returns {string | null}
 */
export function fieldProblem(field, rawValue, words) {
  let value = String(rawValue == null ? "" : rawValue).trim();
  if (field.type !== "textarea") value = value.split(/\s+/).filter(Boolean).join(" ");
  if (!value) return field.required ? fill(words.required, { field: field.label }) : null;
  if (field.max_length != null && value.length > field.max_length) return fill(words.too_long, { field: field.label, max: field.max_length });
  if (field.type === "email" && !EMAIL.test(value)) return words.email_invalid;
  if (field.type === "select" && !(field.options || []).includes(value)) return fill(words.required, { field: field.label });
  return null;
}

// { name: message } for every field with a problem; empty when the form can be sent.
/**
 * @param {FieldSpec[]} fields
 * @param {Record<string, unknown>} values
 * @param {import("./text.js").Strings} words
 */
export function formProblems(fields, values, words) {
  /** @type {Record<string, string>} */
  const problems = {};
  for (const field of fields) {
    const problem = fieldProblem(field, values[field.name], words);
    if (problem) problems[field.name] = problem;
  }
  return problems;
}
