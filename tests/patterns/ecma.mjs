// JavaScript's verdicts for tests/test_patterns.py: reads {"patterns": [...], "texts": [...]} as
// JSON on stdin and writes, for each pattern, whether new RegExp(pattern, "u").test(text) holds
// for each text (or the SyntaxError's message when the pattern does not compile).
import { readFileSync } from "node:fs";

const { patterns, texts } = JSON.parse(readFileSync(0, "utf8"));
const verdicts = patterns.map((pattern) => {
  let regex;
  try {
    regex = new RegExp(pattern, "u");
  } catch (error) {
    return error.message;
  }
  return texts.map((text) => regex.test(text));
});
process.stdout.write(JSON.stringify(verdicts));
