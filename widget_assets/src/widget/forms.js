import { fill } from "./text.js";

// The pre-chat and leave-a-message rules, mirrored by flask_livechat/services/prechat.py so the
// visitor hears about a problem before sending; the server checks again either way.
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function fieldProblem(field, rawValue, words) {
  let value = String(rawValue == null ? "" : rawValue).trim();
  if (field.type !== "textarea") value = value.split(/\s+/).filter(Boolean).join(" ");
  if (!value) return field.required ? fill(words.required, { field: field.label }) : null;
  if (value.length > field.max_length) return fill(words.too_long, { field: field.label, max: field.max_length });
  if (field.type === "email" && !EMAIL.test(value)) return words.email_invalid;
  if (field.type === "select" && !(field.options || []).includes(value)) return fill(words.required, { field: field.label });
  return null;
}

// { name: message } for every field with a problem; empty when the form can be sent.
export function formProblems(fields, values, words) {
  const problems = {};
  for (const field of fields) {
    const problem = fieldProblem(field, values[field.name], words);
    if (problem) problems[field.name] = problem;
  }
  return problems;
}
