// Reads wire texts as a JavaScript team does (JSON.parse, numbers as doubles) and validates each
// with the published schemas: Ajv's draft 2020-12 class, default strict options,
// `discriminator: true` and ajv-formats, as in verdicts.mjs.
//
// usage: node texts.mjs SCHEMA_DIR < cases.json
//   cases.json: [{"schema": "<$id of a published schema>", "text": "<wire text>"}, ...]
//   stdout:     {"warnings": ["<what Ajv logged while compiling or validating>", ...],
//                "answers": [true | false | "not read: <JSON.parse's reason>", ...]}
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { strictAjv } from "./ajv.mjs";

function fail(text) {
  process.stderr.write(`texts.mjs: ${text}\n`);
  process.exit(1);
}

const [schemaDir] = process.argv.slice(2);
if (!schemaDir) fail("usage: node texts.mjs SCHEMA_DIR < cases.json");

const { ajv, warnings } = strictAjv();
const ids = [];
for (const file of readdirSync(schemaDir, { recursive: true }).filter((n) => n.endsWith(".json"))) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
  ajv.addSchema(schema);
  ids.push(schema.$id);
}
// Compile every schema, used or not, once all are added (a bundle's $refs stay inside it).
for (const id of ids) {
  try {
    ajv.getSchema(id);
  } catch (error) {
    fail(`${id} does not compile: ${error.message}`);
  }
}

const cases = JSON.parse(readFileSync(0, "utf8"));
const answers = cases.map(({ schema, text }) => {
  const validate = ajv.getSchema(schema);
  if (!validate) fail(`no published schema has $id ${schema}`);
  let message;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return `not read: ${error.message}`;
  }
  return validate(message);
});
process.stdout.write(JSON.stringify({ warnings, answers }));
