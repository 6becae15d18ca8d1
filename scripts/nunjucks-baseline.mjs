#!/usr/bin/env node
// How stock nunjucks (the design card's engine) does on the public Jinja2 vectors that our own
// engine passes in full: the evidence behind src/engines/jinja/README.md "Why not nunjucks".
//
//   node scripts/nunjucks-baseline.mjs [--list]
//
// Each batch of cases renders in a child process with a memory cap and a time limit, because
// some templates (`range(10**9) | list`) abort or hang a stock nunjucks process.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const vectorsFile = fileURLToPath(new URL("../test/fixtures/jinja-vectors.json", import.meta.url));

if (process.argv[2] === "--child") {
  // Child: render the given case ids with nunjucks' defaults plus autoescape off (as Jinja2).
  const { default: nunjucks } = await import("nunjucks");
  const vectors = JSON.parse(readFileSync(vectorsFile, "utf8"));
  const env = new nunjucks.Environment(null, { autoescape: false });
  const out = {};
  for (const id of process.argv.slice(3)) {
    const c = vectors.cases.find((x) => x.id === id);
    const data = structuredClone(c.data_name ? vectors.documents[c.data_name] : {});
    try {
      out[id] = { rendered: env.renderString(c.template, data) };
    } catch (e) {
      out[id] = { error: String(e.message).split("\n").pop().trim() };
    }
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

const vectors = JSON.parse(readFileSync(vectorsFile, "utf8"));
const results = {};
function run(ids) {
  try {
    const stdout = execFileSync(process.execPath, ["--max-old-space-size=256", fileURLToPath(import.meta.url), "--child", ...ids], {
      timeout: 5000,
      encoding: "utf8",
      maxBuffer: 1 << 30,
      stdio: ["ignore", "pipe", "ignore"],
    });
    Object.assign(results, JSON.parse(stdout));
  } catch {
    // A crash or hang: split the batch until the case that does it is alone.
    if (ids.length === 1) results[ids[0]] = { crashed: true };
    else [ids.slice(0, ids.length >> 1), ids.slice(ids.length >> 1)].forEach(run);
  }
}
const ids = vectors.cases.map((c) => c.id);
for (let i = 0; i < ids.length; i += 40) run(ids.slice(i, i + 40));

const tally = {
  pass: 0,
  wrongOutput: 0,
  errorInsteadOfOutput: 0,
  noErrorWhereJinjaFails: 0,
  unsafeTemplateRendered: 0,
  processCrashedOrHung: 0,
};
const lines = [];
for (const c of vectors.cases) {
  const r = results[c.id];
  let verdict;
  if (r.crashed) verdict = "processCrashedOrHung";
  else if (c.must_refuse) verdict = "error" in r ? "pass" : "unsafeTemplateRendered";
  else if (c.error) verdict = "error" in r ? "pass" : "noErrorWhereJinjaFails";
  else if ("error" in r) verdict = "errorInsteadOfOutput";
  else verdict = r.rendered === c.expected ? "pass" : "wrongOutput";
  tally[verdict]++;
  if (verdict !== "pass")
    lines.push(
      `${c.id}  ${verdict}  ${JSON.stringify(c.template.slice(0, 70))}  →  ${JSON.stringify((r.rendered ?? r.error ?? "").slice(0, 60))}`,
    );
}
console.log(`stock nunjucks on ${vectors.cases.length} Jinja2 vectors:`, tally);
if (process.argv.includes("--list")) console.log(lines.join("\n"));
