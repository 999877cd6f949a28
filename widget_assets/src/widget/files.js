import { fill } from "./text.js";

// A first check of a chosen file against the site's limits, so a visitor is not left waiting for
// an upload the server will refuse. The server decides the type from the content anyway.
/** @type {Record<string, string>} */
const BY_EXTENSION = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  txt: "text/plain",
  csv: "text/csv",
  zip: "application/zip",
  json: "application/json",
};

/** @param {{ name?: string, type?: string }} file */
export function guessType(file) {
  const extension = (String(file.name || "").split(".").pop() || "").toLowerCase();
  return file.type || BY_EXTENSION[extension] || "application/octet-stream";
}

/**
 * The site's attachment limits, from settings.json.
 * @typedef {{ enabled?: boolean, max_size: number, max_size_text: string, types: string[] }} Limits
 */

/**
 * @param {{ name: string, size: number, type?: string }} file
 * @param {Limits} limits
 * @param {import("./text.js").Strings} words
 */
export function fileProblem(file, limits, words) {
  if (file.size > limits.max_size) return fill(words.file_too_big, { name: file.name, size: limits.max_size_text });
  if (!limits.types.includes(guessType(file))) return fill(words.file_type, { name: file.name });
  return null;
}
