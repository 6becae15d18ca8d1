// Large bodies and the journal (issue 19 item 4, issue 15 req. 2), one run: the same server with
// the console journal on (capture full, the default) and off, each sent 20 concurrent 20 MB
// /query bodies while /healthcheck and /modules are polled (one request at a time, a fresh
// connection each, as MISP does). Reports the pollers' p99/max, the server's own event-loop
// delay during the burst (bench/eld-preload.mjs) and RSS right after and 30 s after. Ends with a
// PASS/FAIL line per run against the 50 ms p99 target of issue 19 item 4 (/healthcheck and /modules).
// Usage: node bench/large-bodies.mjs [dist|src] (default: dist, run `npm run build` first)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, repo, shippedNodeFlags, table } from "./lib.mjs";

const entry = process.argv[2] === "src" ? "bin/misp-modules-ts.js" : "dist/cli.js";
const MiB = 1024 * 1024;

function eventQuery(bytes) {
  const attribute = (i) => ({
    id: String(100000 + i),
    type: "ip-dst",
    category: "Network activity",
    to_ids: true,
    value: `198.51.${(i >> 8) & 255}.${i & 255}`,
    comment: "bench",
    Tag: [{ name: "tlp:amber" }],
  });
  const n = Math.floor(bytes / (JSON.stringify(attribute(0)).length + 1));
  return Buffer.from(
    JSON.stringify({
      module: "testaction",
      data: { Event: { id: "1", info: "large event", Attribute: Array.from({ length: n }, (_, i) => attribute(i)) } },
      params: { foo: "" },
    }),
  );
}

const once = (port, path, method = "GET", body) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      {
        port,
        host: "127.0.0.1",
        path,
        method,
        agent: false,
        headers: body ? { "content-type": "application/json", "content-length": body.length } : {},
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ ms: performance.now() - t0, status: res.statusCode }));
      },
    );
    req.on("error", () => resolve({ ms: performance.now() - t0, status: 0 }));
    req.end(body);
  });

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function run(journal, body) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "mmts-bench-large-"));
  const env = { ...process.env, MISP_MODULES_WATCH: "false", MISP_MODULES_CONSOLE: journal ? "1" : "0", MISP_MODULES_DATA_DIR: dataDir };
  const child = spawn(
    process.execPath,
    [...shippedNodeFlags, "--import", `${repo}bench/eld-preload.mjs`, entry, "-p", String(port), "-l", "127.0.0.1"],
    {
      cwd: repo,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const eld = [];
  child.stderr.on("data", (c) => {
    for (const line of String(c).split("\n")) if (line.startsWith('{"eld"')) eld.push(JSON.parse(line).eld);
  });
  while ((await once(port, "/healthcheck")).status !== 200) await new Promise((r) => setTimeout(r, 100));
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
  await new Promise((r) => setTimeout(r, 2000));
  const idleRss = rss();
  let polling = true;
  const samples = { "/healthcheck": [], "/modules": [] };
  const poller = (async () => {
    for (let i = 0; polling; i++) {
      const path = i % 2 ? "/modules" : "/healthcheck";
      samples[path].push((await once(port, path)).ms);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  child.kill("SIGUSR2");
  const t0 = performance.now();
  const replies = await Promise.all(Array.from({ length: 20 }, () => once(port, "/query", "POST", body)));
  const burstMs = performance.now() - t0;
  child.kill("SIGUSR2");
  polling = false;
  await poller;
  const after = rss();
  await new Promise((r) => setTimeout(r, 30_000));
  const settled = rss();
  await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => {
    child.once("exit", r);
    child.kill("SIGTERM");
  });
  rmSync(dataDir, { recursive: true, force: true });
  if (replies.some((r) => r.status !== 200)) throw new Error(`journal ${journal}: non-200 replies`);
  const d = eld[1] ?? { p50: NaN, p99: NaN, max: NaN };
  const of = (path) => `${pct(samples[path], 99).toFixed(0)} / ${Math.max(...samples[path]).toFixed(0)} ms (n=${samples[path].length})`;
  const worst = Math.max(pct(samples["/healthcheck"], 99), pct(samples["/modules"], 99));
  verdicts.push(
    `${worst < TARGET_MS ? "PASS" : "FAIL"}: journal ${journal ? "on" : "off"}, /healthcheck p99 ${pct(samples["/healthcheck"], 99).toFixed(0)} ms, /modules p99 ${pct(samples["/modules"], 99).toFixed(0)} ms, target < ${TARGET_MS} ms`,
  );
  return [
    journal ? "on (capture full)" : "off",
    `${(burstMs / 1000).toFixed(1)} s`,
    of("/healthcheck"),
    of("/modules"),
    `${d.p99} / ${d.max} ms`,
    `${idleRss.toFixed(0)} / ${after.toFixed(0)} / ${settled.toFixed(0)} MB`,
  ];
}

const TARGET_MS = 50;
const verdicts = [];
const loadBefore = loadavg();
const body = eventQuery(20 * MiB);
const rows = [];
for (const journal of [false, true]) rows.push(await run(journal, body));
const load = (l) => l.map((x) => x.toFixed(1)).join(", ");
console.log(
  `20 concurrent 20 MB /query bodies (${entry}); load average (1, 5, 15 min) ${load(loadBefore)} before, ${load(loadavg())} after:\n`,
);
console.log(
  table(
    ["journal", "burst", "/healthcheck p99 / max", "/modules p99 / max", "event-loop delay p99 / max", "RSS idle / after / +30 s"],
    rows,
  ),
);
console.log(`\n${verdicts.join("\n")}`);
