// Reads wire texts as a JavaScript team does (JSON.parse, numbers as doubles) and validates each
// with the published schemas: Ajv's draft 2020-12 class, default strict options,
// `discriminator: true` and ajv-formats, as in verdicts.mjs.
//
// usage: node texts.mjs SCHEMA_DIR < cases.json
//   cases.json: [{"schema": "<$id of a published schema>", "text": "<wire text>"}, ...]
//   stdout:     [true | false | "not read: <JSON.parse's reason>", ...], one per case
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

function fail(text) {
  process.stderr.write(`texts.mjs: ${text}\n`);
  process.exit(1);
}

const [schemaDir] = process.argv.slice(2);
if (!schemaDir) fail("usage: node texts.mjs SCHEMA_DIR < cases.json");

const ajv = new Ajv2020({ discriminator: true });
addFormats(ajv);
for (const file of readdirSync(schemaDir, { recursive: true }).filter((n) => n.endsWith(".json"))) {
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), "utf8")));
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
process.stdout.write(JSON.stringify(answers));
