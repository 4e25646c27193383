// Validates messages with the published schemas the way a JavaScript team would: Ajv's draft
// 2020-12 class with its default (strict) options, `discriminator: true` and ajv-formats.
//
// usage: node verdicts.mjs SCHEMA_DIR < cases.json
//   cases.json: [{"schema": "<$id of a published schema>", "message": <any JSON>}, ...]
//   stdout:     {"compiled": ["<$id>", ...], "verdicts": [{"valid": bool, "errors": [...]}, ...]}
// Exits 1, saying why on stderr, when a schema does not compile or compiling logs a warning:
// a strict-mode warning is a schema that some team's build will complain about.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { strictAjv } from "./ajv.mjs";

function fail(text) {
  process.stderr.write(`verdicts.mjs: ${text}\n`);
  process.exit(1);
}

const [schemaDir] = process.argv.slice(2);
if (!schemaDir) fail("usage: node verdicts.mjs SCHEMA_DIR < cases.json");

const { ajv, warnings } = strictAjv();

const files = readdirSync(schemaDir, { recursive: true })
  .filter((name) => name.endsWith(".json"))
  .sort();
if (files.length === 0) fail(`no *.json schemas under ${schemaDir}`);
const compiled = [];
for (const file of files) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
  if (typeof schema.$id !== "string") fail(`${file} has no $id`);
  try {
    ajv.addSchema(schema);
  } catch (error) {
    fail(`${file} cannot be added: ${error.message}`);
  }
  compiled.push(schema.$id);
}
// Compile only once all are added, so that a schema may refer to another by its $id.
for (const [i, id] of compiled.entries()) {
  try {
    ajv.getSchema(id);
  } catch (error) {
    fail(`${files[i]} does not compile: ${error.message}`);
  }
}
if (warnings.length > 0) fail(`Ajv warned while compiling:\n${warnings.join("\n")}`);

const cases = JSON.parse(readFileSync(0, "utf8"));
const verdicts = cases.map(({ schema, message }) => {
  const validate = ajv.getSchema(schema);
  if (!validate) fail(`no published schema has $id ${schema}`);
  const valid = validate(message);
  const errors = valid
    ? []
    : validate.errors.map((e) => ({ pointer: e.instancePath, keyword: e.keyword, message: e.message }));
  return { valid, errors };
});
if (warnings.length > 0) fail(`Ajv warned while validating:\n${warnings.join("\n")}`);
process.stdout.write(JSON.stringify({ compiled, verdicts }));
