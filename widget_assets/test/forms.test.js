import { test } from "uvu";
import * as assert from "uvu/assert";
import { fieldProblem, formProblems } from "../src/widget/forms.js";
import { fileProblem, guessType } from "../src/widget/files.js";

const words = {
  required: "Please fill in {field}.",
  email_invalid: "Please enter a valid email address.",
  too_long: "{field} is too long: at most {max} characters.",
  file_too_big: "{name} is too big: at most {size}.",
  file_type: "{name} cannot be sent.",
};
const name = { name: "name", label: "Name", type: "text", required: true, max_length: 5 };
const email = { name: "email", label: "Email", type: "email", required: true, max_length: 320 };
const topic = { name: "topic", label: "Topic", type: "select", required: false, options: ["A", "B"], max_length: 200 };

test("required, length, email and select rules, with the field's label", () => {
  assert.is(fieldProblem(name, "   ", words), "Please fill in Name.");
  assert.is(fieldProblem(name, "Adalovelace", words), "Name is too long: at most 5 characters.");
  assert.is(fieldProblem(name, " Ada ", words), null);
  assert.is(fieldProblem(email, "ada@", words), "Please enter a valid email address.");
  assert.is(fieldProblem(email, "ada@example.org", words), null);
  assert.is(fieldProblem(topic, "", words), null);
  assert.is(fieldProblem(topic, "C", words), "Please fill in Topic.");
});

test("one-line fields fold line breaks like the server does", () => {
  assert.is(fieldProblem(name, "A\n\nd", words), null); // "A d": 3 characters
});

test("formProblems names only the fields with a problem", () => {
  assert.equal(formProblems([name, email, topic], { name: "Ada", email: "x" }, words), {
    email: "Please enter a valid email address.",
  });
});

test("files over the limit or of a refused type are named", () => {
  const limits = { max_size: 1000, max_size_text: "1000 B", types: ["image/png", "application/pdf"] };
  assert.is(fileProblem({ name: "a.png", size: 10, type: "image/png" }, limits, words), null);
  assert.is(fileProblem({ name: "a.png", size: 2000, type: "image/png" }, limits, words), "a.png is too big: at most 1000 B.");
  assert.is(fileProblem({ name: "a.exe", size: 10, type: "" }, limits, words), "a.exe cannot be sent.");
  assert.is(guessType({ name: "Scan.PDF", type: "" }), "application/pdf");
});

test.run();
