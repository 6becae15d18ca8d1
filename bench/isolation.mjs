// Cost of running a custom module in an isolate (issue 19): the same testaction-like module,
// served by one server twice under two names, one isolated (the default) and one listed in
// isolation.inProcess, at concurrency 16 with the body of bench/core.mjs (a 30 KiB roaming
// event). Alternating 1-second slices, as in bench/core.mjs, so both see the machine's drift.
// Usage: npm run build && node bench/isolation.mjs [seconds per module]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load, roaming, startServer, table } from "./lib.mjs";

const duration = Number(process.argv[2] ?? 5);
const connections = 16;
const data = roaming();

// The built-in testaction, as a custom module file (plain JavaScript: no TypeScript compile).
const source = `import { defineActionModule, param } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: "testaction-like module for the isolation benchmark" },
  params: {
    foo: param.string({ placeholder: "xyz" }),
    "Data extraction path": param.hashPath({ placeholder: "Event.Attribute.{n}.Tag.{n}.name" }),
  },
  handler({ params, data, matchingData }, ctx) {
    if (!ctx.log.isLevelEnabled("debug")) return;
    ctx.log.debug({ params: Object.keys(params), matching: matchingData["Data extraction path"]?.length ?? 0 }, "called");
  },
});
`;
const root = mkdtempSync(join(tmpdir(), "mmts-bench-isolation-"));
mkdirSync(join(root, "action"));
writeFileSync(join(root, "action", "iso_action.mjs"), source);
writeFileSync(join(root, "action", "inproc_action.mjs"), source);
const configFile = join(root, "config.json");
writeFileSync(configFile, JSON.stringify({ isolation: { inProcess: ["inproc_action"] } }));

const body = (module) =>
  JSON.stringify({
    module,
    data,
    params: { foo: "", data_extraction_path: "Event._AttributeFlattened.{n}.value" },
    matchingData: { "Data Extraction Path": data.Event._AttributeFlattened.map((a) => a.value) },
  });

const server = await startServer((port) => ["dist/cli.js", "-p", String(port), "-c", root, "--config", configFile]);
try {
  for (const m of ["iso_action", "inproc_action"]) {
    const r = await (await fetch(`${server.url}/query`, { method: "POST", body: body(m) })).json();
    if (r.data !== true) throw new Error(`${m}: ${JSON.stringify(r)}`);
  }
  const health = await (await fetch(`${server.url}/healthcheck`)).json();
  if (!health.modules.isolated?.some((i) => i.name === "iso_action") || health.modules.isolated.some((i) => i.name === "inproc_action")) {
    throw new Error("the benchmark's modules are not isolated as intended");
  }
  const run = (module) => (seconds) =>
    load({
      url: `${server.url}/query`,
      method: "POST",
      body: body(module),
      headers: { "content-type": "application/json" },
      connections,
      duration: seconds,
    });
  const runs = { iso_action: [], inproc_action: [] };
  await run("iso_action")(1);
  await run("inproc_action")(1);
  for (let i = 0; i < Math.max(1, Math.round(duration)); i++) {
    runs.iso_action.push(await run("iso_action")(1));
    runs.inproc_action.push(await run("inproc_action")(1));
  }
  const summary = (rs) => {
    const p50s = rs.map((r) => r.p50).sort((x, y) => x - y);
    return { rps: rs.reduce((s, r) => s + r.rps, 0) / rs.length, p50: p50s[p50s.length >> 1], p99: Math.max(...rs.map((r) => r.p99)) };
  };
  const iso = summary(runs.iso_action);
  const inproc = summary(runs.inproc_action);
  console.log(
    `\nPOST /query, ${(body("iso_action").length / 1024).toFixed(0)} KiB body, c=${connections}, ${duration} × 1 s per module, alternating; RSS ${server.rssMb().toFixed(0)} MB with one isolate.\n`,
  );
  console.log(
    table(
      ["custom module", "req/s", "p50 / p99 ms"],
      [
        ["isolated (worker thread)", iso.rps.toFixed(0), `${iso.p50} / ${iso.p99}`],
        ["in-process (isolation.inProcess)", inproc.rps.toFixed(0), `${inproc.p50} / ${inproc.p99}`],
      ],
    ),
  );
  console.log(
    `\nisolated / in-process throughput: ${((iso.rps / inproc.rps) * 100).toFixed(0)} %; per-call overhead ≈ ${((1 / iso.rps - 1 / inproc.rps) * 1e6).toFixed(0)} µs of server time per request`,
  );
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
