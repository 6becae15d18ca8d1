// Hash path extraction speed on the largest roaming fixture.
//   npm run build && node bench/hashpath.mjs      (uses dist/)
//   node bench/hashpath.mjs                       (falls back to src/ through tsx without dist/;
//                                                  HASHPATH_BENCH_FROM=src forces src/)
// Target (issue #4): >= 50,000 extractions/s for Event._AttributeFlattened.{n}[type=/^ip-/].value.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const distEntry = join(root, "dist/engines/cakephp-hash/index.js");

async function loadLibrary() {
  if (process.env.HASHPATH_BENCH_FROM !== "src" && existsSync(distEntry))
    return { lib: await import(pathToFileURL(distEntry).href), from: "dist" };
  const { tsImport } = await import("tsx/esm/api");
  return { lib: await tsImport(join(root, "src/engines/cakephp-hash/index.ts"), import.meta.url), from: "src (tsx)" };
}

function largestFixture() {
  const dir = join(root, "test/fixtures/roaming");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

function measure(label, fn, minMs = 1500) {
  for (let i = 0; i < 2000; i++) fn(); // warm-up (JIT)
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    for (let i = 0; i < 1000; i++) fn();
    runs += 1000;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const perSecond = Math.round((runs / elapsedMs) * 1000);
  console.log(`${label.padEnd(58)} ${perSecond.toLocaleString("en-US").padStart(12)} extractions/s`);
  return perSecond;
}

const { lib, from } = await loadLibrary();
const file = largestFixture();
const text = readFileSync(file, "utf8");
const plain = JSON.parse(text);
const model = lib.parsePhpJson(text);
const path = "Event._AttributeFlattened.{n}[type=/^ip-/].value";
const sample = lib.extract(plain, path);

console.log(
  `library: ${from}; fixture: ${file.slice(root.length)} (${text.length} bytes, ${plain.Event._AttributeFlattened.length} flattened attributes)`,
);
console.log(`result: ${JSON.stringify(sample)}`);
const headline = measure(`${path} (JSON.parse data)`, () => lib.extract(plain, path));
measure(`${path} (PHP-order model)`, () => lib.extract(model, path));
measure("Event._AttributeFlattened.{n}._allTags.{n}.name", () => lib.extract(plain, "Event._AttributeFlattened.{n}._allTags.{n}.name"));
measure("Event.info (simple path)", () => lib.extract(plain, "Event.info"));
measure("filter: selector {n}, in, _allTags.{n}.name = tlp:red", () =>
  lib.evaluateFilter(plain, { selector: "Event._AttributeFlattened.{n}", operator: "in", value: "tlp:red", path: "_allTags.{n}.name" }),
);
const target = 50_000;
console.log(
  headline >= target
    ? `OK: ${headline.toLocaleString("en-US")} >= ${target.toLocaleString("en-US")} extractions/s`
    : `BELOW TARGET: ${headline} < ${target}`,
);
process.exitCode = headline >= target ? 0 : 1;
