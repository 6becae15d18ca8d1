// Console benchmark (issue #15), one run, against the built server (npm run build first):
//  1. recording cost: POST /query testaction at c=16, journal on (capture full) vs the same
//     server with the journal off (--capture off), alternating 1 s slices as bench/core.mjs does;
//  2. the debug receiver's latency at 200 posts/s (MISP's way: a new connection per post,
//     form-encoded JSON, Connection: close) while /query load keeps the store busy;
//  3. one page of the query list over 100,000 recorded queries (plain, filtered, second page, text).
// Usage: node bench/console.mjs [seconds per cell]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { cpuMs, freePort, load, repo, startServer, table } from "./lib.mjs";

const duration = Number(process.argv[2] ?? 5);
const data = JSON.parse(readFileSync(`${repo}/test/fixtures/roaming/event-publish-tlp-red.json`, "utf8"));
const queryBody = JSON.stringify({
  module: "testaction",
  data,
  params: { foo: "", data_extraction_path: "Event._AttributeFlattened.{n}.value" },
});
const headers = { "content-type": "application/json" };
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mmts-bench-console-"));
  dirs.push(d);
  return d;
};

// ---- 1. recording cost ----
const listenPort = await freePort();
const on = await startServer((port) => [
  "dist/cli.js",
  "-p",
  String(port),
  "--data-dir",
  tmp(),
  "--capture",
  "full",
  "--debug-listen",
  `127.0.0.1:${listenPort}`,
]);
const off = await startServer((port) => ["dist/cli.js", "-p", String(port), "--data-dir", tmp(), "--capture", "off"]);
const slices = [[], []];
for (const s of [on, off]) await load({ url: `${s.url}/query`, method: "POST", body: queryBody, headers, connections: 16, duration: 1 });
// CPU time per query as well: on a machine shared with other jobs req/s swings by a factor of
// several between slices, while the CPU a query costs the server (all its threads, garbage
// collection and the journal's writes included) stays put.
const cpu = [0, 0];
for (let i = 0; i < Math.max(1, Math.round(duration)); i++) {
  for (const [k, s] of [on, off].entries()) {
    const c0 = cpuMs(s.pid);
    slices[k].push(await load({ url: `${s.url}/query`, method: "POST", body: queryBody, headers, connections: 16, duration: 1 }));
    cpu[k] += cpuMs(s.pid) - c0;
  }
}
// Writes still queued when the last slice ended are the journal's too.
await new Promise((r) => setTimeout(r, 500));
const cpuPerQuery = slices.map((runs, k) => (cpu[k] / runs.reduce((n, r) => n + r.total, 0)) * 1000);
const mean = (runs) => runs.reduce((s, r) => s + r.rps, 0) / runs.length;
const [rpsOn, rpsOff] = slices.map(mean);
const recorded = (await (await fetch(`${on.url}/console/api/status`)).json()).journal.recorded;
await off.stop();

// ---- 2. receiver latency at 200 posts/s while the store is busy ----
const post = (url, path, body) =>
  new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const t0 = performance.now();
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: "POST",
        agent: false,
        headers: {
          Connection: "close",
          "User-Agent": "CakePHP",
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
const execBody = JSON.stringify({
  source: {
    node_id: 3,
    module_id: "testaction",
    filters: { selector: "", value: "", operator: "", path: "" },
    parameters: { foo: "", hec_token: "t0k3n" },
  },
  timestamp: "2024-10-21T10:59:21+02:00",
  data,
});
// The store is kept busy by a steady /query stream (each one recorded), not by saturating the
// server: at saturation any latency only measures the accept queue.
const BUSY_RATE = 100;
/** /query at c=16 with no rate limit: the server's event loop is saturated. */
const SATURATED = -1;
async function receiverPass(busyRate, where) {
  const base = where === "listener" ? `http://127.0.0.1:${listenPort}` : on.url;
  const prefix = where === "listener" ? "" : "/workflow-debug";
  const busy =
    busyRate === SATURATED
      ? autocannon({ url: `${on.url}/query`, method: "POST", body: queryBody, headers, connections: 16, duration: duration + 2 })
      : busyRate
        ? autocannon({
            url: `${on.url}/query`,
            method: "POST",
            body: queryBody,
            headers,
            connections: 4,
            overallRate: busyRate,
            duration: duration + 2,
          })
        : undefined;
  await new Promise((r) => setTimeout(r, 500));
  const latencies = [];
  const failures = [];
  const sent = [];
  const postsTotal = 200 * duration;
  const t0 = performance.now();
  for (let i = 0; i < postsTotal; i++) {
    const due = t0 + i * 5;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const path =
      prefix +
      (i % 10 === 0
        ? "/event-publish/init?type=blocking"
        : i % 10 === 9
          ? "/event-publish/end?outcome=success"
          : "/event-publish/exec/testaction?result=success");
    sent.push(
      post(base, path, execBody).then(
        (r) => (r.status === 200 ? latencies.push(r.ms) : failures.push(`HTTP ${r.status}`)),
        (e) => failures.push(e.code ?? e.message),
      ),
    );
  }
  await Promise.all(sent);
  const achieved = postsTotal / ((performance.now() - t0) / 1000);
  await busy;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    where,
    busyRate,
    achieved,
    p50: pct(50),
    p99: pct(99),
    max: latencies[latencies.length - 1],
    failures: failures.length ? `${failures.length} (${[...new Set(failures)].join(", ")})` : "0",
  };
}
const receiverRuns = [];
for (const where of ["main port", "listener"])
  for (const rate of [0, BUSY_RATE, SATURATED]) receiverRuns.push(await receiverPass(rate, where));
const status = await (await fetch(`${on.url}/console/api/status`)).json();
await on.stop();

// ---- 3. the query list over 100,000 records ----
const bigDir = tmp();
{
  // Fill the journal the way the server writes it: start once to create the schema, then insert.
  const s = await startServer((port) => ["dist/cli.js", "-p", String(port), "--data-dir", bigDir]);
  await s.stop();
  const Database = createRequire(import.meta.url)("better-sqlite3");
  const db = new Database(join(bigDir, "store.db"));
  const ins = db.prepare(
    "INSERT INTO journal_queries (id, ts, module, kind, outcome, duration_ms, error, params, search) VALUES (?, ?, ?, 'action', ?, ?, ?, ?, ?)",
  );
  const modules = ["testaction", "http_webhook", "slack", "mattermost", "splunk_hec", "mail", "telegram", "ms_teams"];
  const now = Date.now();
  db.transaction(() => {
    for (let i = 1; i <= 100_000; i++) {
      const m = modules[i % modules.length];
      const outcome = i % 17 === 0 ? "error" : "ok";
      const err = outcome === "error" ? `${m}: HTTP 502 from upstream ${i}` : null;
      ins.run(
        i,
        now - (100_000 - i) * 1000,
        m,
        outcome,
        3.2,
        err,
        JSON.stringify({ foo: `value-${i}` }),
        `${m} ${outcome} ${err ?? ""} {"foo":"value-${i}"}`.toLowerCase(),
      );
    }
  })();
  db.close();
}
const big = await startServer((port) => ["dist/cli.js", "-p", String(port), "--data-dir", bigDir]);
const timeIt = async (path, n = 15) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(`${big.url}/console/api${path}`);
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    await r.json();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[n >> 1], max: times[n - 1] };
};
const listRows = [];
for (const [label, path] of [
  ["newest 50", "/queries?limit=50"],
  ["module=slack", "/queries?module=slack&limit=50"],
  ["outcome=error since 1d", "/queries?outcome=error&since=1d&limit=50"],
  ["page 2 (cursor)", "/queries?limit=50&before=99950"],
  ["text search, rare hit", "/queries?q=value-12345&limit=50"],
]) {
  const r = await timeIt(path);
  listRows.push([label, r.median.toFixed(1), r.max.toFixed(1)]);
}
await big.stop();
for (const d of dirs) rmSync(d, { recursive: true, force: true });

console.log(
  `\n1. Recording cost, POST /query testaction (${(queryBody.length / 1024).toFixed(0)} KiB event), c=16, ${duration} × 1 s alternating slices per server\n`,
);
console.log(
  table(
    ["journal", "req/s", "CPU µs per query"],
    [
      ["on (capture full)", rpsOn.toFixed(0), cpuPerQuery[0].toFixed(0)],
      ["off (--capture off)", rpsOff.toFixed(0), cpuPerQuery[1].toFixed(0)],
    ],
  ),
);
console.log(
  `cost: ${(((rpsOff - rpsOn) / rpsOff) * 100).toFixed(1)} % of throughput, ${(((cpuPerQuery[0] - cpuPerQuery[1]) / cpuPerQuery[1]) * 100).toFixed(1)} % of CPU per query (target ≤ 5 %); ${recorded} queries recorded`,
);
console.log(
  `\n2. Debug receiver, 200 posts/s scheduled for ${duration} s (new connection per post, ${(execBody.length / 1024).toFixed(0)} KiB body); target p99 < 5 ms\n`,
);
console.log(
  table(
    ["receiver", "/query load recorded meanwhile", "posts/s achieved", "p50 ms", "p99 ms", "max ms", "failed posts"],
    receiverRuns.map((r) => [
      r.where === "listener" ? "--debug-listen (own thread)" : "main port",
      r.busyRate === SATURATED ? "c=16, saturated" : r.busyRate ? `${r.busyRate}/s` : "none",
      r.achieved.toFixed(0),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      r.max.toFixed(2),
      r.failures,
    ]),
  ),
);
console.log(`posts processed ${status.receiver.processed}, dropped ${status.receiver.dropped}`);
console.log(`\n3. Query list over 100,000 records (15 requests each, ms)\n`);
console.log(table(["page", "median", "max"], listRows));
