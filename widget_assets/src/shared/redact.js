// Masks payment card numbers before text is kept in the browser (the offline outbox in localStorage).
//
// The same rule as flask_livechat/services/redact.py (a Python test runs both on the same inputs): 13 to 19
// digits, up to two separators (spaces, dots, dashes) between digits, not touching other digits, and
// Luhn-valid; all but the last four digits become "•".
const CANDIDATE = /(?<!\d)\d(?:[ .-]{0,2}\d){12,18}(?!\d)/g;
const MASK = "•";

/** @param {string} digits */
export function luhnValid(digits) {
  let total = 0;
  for (let index = 0; index < digits.length; index++) {
    let value = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    total += value;
  }
  return total % 10 === 0;
}

/** @param {string} text */
function mask(text) {
  const digits = text.replace(/\D/g, "");
  if (!luhnValid(digits)) return text;
  const keepFrom = digits.length - 4;
  let seen = 0;
  let masked = "";
  for (const char of text) {
    if (char >= "0" && char <= "9") {
      masked += seen >= keepFrom ? char : MASK;
      seen++;
    } else {
      masked += char;
    }
  }
  return masked;
}

/** @param {string} text */
export function maskCardNumbers(text) {
  return text.replace(CANDIDATE, mask);
}
