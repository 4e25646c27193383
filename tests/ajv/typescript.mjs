// Print the TypeScript that json-schema-to-typescript makes of each published bundle:
// what a TypeScript team gets from `generated/schemas/`, with the tool's default options.
import { compile } from "json-schema-to-typescript";
import fs from "node:fs";

const out = {};
for (const path of process.argv.slice(2)) {
  const schema = JSON.parse(fs.readFileSync(path, "utf8"));
  out[path] = await compile(schema, schema.title, { bannerComment: "" });
}
process.stdout.write(JSON.stringify(out));
