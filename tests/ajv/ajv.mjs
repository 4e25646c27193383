// Ajv as a JavaScript team sets it up, shared by verdicts.mjs and texts.mjs: the draft 2020-12
// class with its default (strict) options, `discriminator: true` and ajv-formats, with what it
// logs kept in `warnings` (a strict-mode warning is a schema that some team's build refuses).
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export function strictAjv() {
  const warnings = [];
  const collect = (...args) => warnings.push(args.map(String).join(" "));
  const ajv = new Ajv2020({
    discriminator: true,
    logger: { log: () => {}, warn: collect, error: collect },
  });
  addFormats(ajv);
  return { ajv, warnings };
}
