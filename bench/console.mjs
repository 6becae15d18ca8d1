// Console benchmark (issue #15, requirement 9), one run against the built server (npm run build
// first), ending with one PASS/FAIL line per target. What each part does and why is in
// docs/console.md ("Measurements"):
//  1. recording cost: POST /query testaction at c=16 against a server with the journal on
//     (capture full) and the same server with it off (--capture off), in many short slices of a
//     fixed request count, interleaved (on/off, then off/on); per pair the throughput ratio and
//     the CPU time per query of the whole process (all threads, /proc), median and spread;
//  2. the debug receiver's latency at 200 posts/s, posted the way MISP posts (a new connection
//     per post, Connection: close, JSON labelled form-encoded, init / exec×3 / end per run) by an
//     open-loop scheduler, latency counted from each post's scheduled time; quiet, while the
//     store is busy (a steady /query stream recorded with the MISP publish body, retention
//     passes running every second) and, labelled apart, with /query saturating the server;
//  3. one page of the query list over 100,000 recorded queries.
// Usage: node bench/console.mjs [--quick] [--parts 1,2,3] [--pairs N] [--seconds S] [--retention-days D]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import {
  costVerdict,
  cpuMs,
  freePort,
  interleavedCost,
  pacedLoad,
  repo,
  roaming,
  spread,
  startServer,
  table,
  testactionBody,
} from "./lib.mjs";

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const quick = args.includes("--quick");
/** Parts to run (all by default): --parts 1,2 */
const parts = new Set(String(args.includes("--parts") ? args[args.indexOf("--parts") + 1] : "1,2,3").split(","));
/** Interleaved on/off slice pairs of part 1. */
const PAIRS = arg("--pairs", quick ? 6 : 16);
/** Seconds of posts per receiver cell of part 2. */
const SECONDS = arg("--seconds", quick ? 4 : 8);
/** The busy store: /query testaction at this steady rate, each one recorded (capture full). */
const BUSY_RATE = 400;
/** Retention of the busy-store server: 8.6 s, so a retention pass runs about every 0.9 s (store.ts). */
const BUSY_RETENTION_DAYS = arg("--retention-days", 0.0001);
const POST_RATE = 200;
const TARGET = { costPct: 5, p99Ms: 5, pageMs: 200 };

const data = roaming();
const queryBody = testactionBody(data, { matchingData: false });
const jsonHeaders = { "content-type": "application/json" };

// ---- child mode: the /query load of part 2, in a process of its own so that it never delays
// the post scheduler (a late scheduler would be charged to the server). ----
if (args[0] === "--load") {
  const [, url, rate, connections, seconds] = args;
  const request = { url, method: "POST", body: queryBody, headers: jsonHeaders, connections: Number(connections) };
  // A rate: evenly paced (the busy store); none: as fast as the server answers (saturated).
  if (Number(rate) > 0) {
    process.stdout.write(JSON.stringify(await pacedLoad({ ...request, rate: Number(rate), seconds: Number(seconds) })));
  } else {
    const r = await autocannon({ ...request, duration: Number(seconds) });
    process.stdout.write(JSON.stringify({ rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }));
  }
  process.exit(0);
}

const load1 = () => loadavg()[0].toFixed(1);
const loads = [`start ${load1()}`];
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mmts-bench-console-"));
  dirs.push(d);
  return d;
};
const pctOf = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sortNum = (xs) => [...xs].sort((a, b) => a - b);
const fmt = (x, d = 1) => (x >= 0 ? "+" : "") + x.toFixed(d);

// ---- 1. recording cost ----
async function recordingCost() {
  const on = await startServer((port) => ["dist/cli.js", "-p", String(port), "--data-dir", tmp(), "--capture", "full"]);
  const off = await startServer((port) => ["dist/cli.js", "-p", String(port), "--data-dir", tmp(), "--capture", "off"]);
  const r = await interleavedCost(on, off, {
    request: { path: "/query", method: "POST", body: queryBody, headers: jsonHeaders },
    pairs: PAIRS,
  });
  const recorded = (await (await fetch(`${on.url}/console/api/status`)).json()).journal.recorded;
  await on.stop();
  await off.stop();
  loads.push(`after part 1 ${load1()}`);
  return { ...r, recorded };
}

// ---- 2. the debug receiver at 200 posts/s ----
async function receiverLatency() {
  const listenPort = await freePort();
  const srv = await startServer((port) => [
    "dist/cli.js",
    "-p",
    String(port),
    "--data-dir",
    tmp(),
    "--capture",
    "full",
    "--retention-days",
    String(BUSY_RETENTION_DAYS),
    "--debug-listen",
    `127.0.0.1:${listenPort}`,
  ]);
  // MISP's posts for one event-publish run of three testaction nodes (docs/console.md, "Debug receiver").
  const node = (id) => ({ id, data: { id: "testaction", module_type: "action", indexed_params: { foo: "", hec_token: "t0k3n" } } });
  const source = (id) => ({
    node_id: id,
    module_id: "testaction",
    filters: { selector: "", value: "", operator: "", path: "" },
    parameters: { foo: "", hec_token: "t0k3n" },
  });
  const empty = { node_id: "", module_id: "", filters: "", parameters: "" };
  const ts = "2024-10-21T10:59:21+02:00";
  const RUN = [
    ["/event-publish/init?type=blocking", { source: empty, timestamp: ts, data: { original: data, normalized: data } }],
    ...[2, 3, 4].map((id) => ["/event-publish/exec/testaction?result=success", { source: source(id), timestamp: ts, data }]),
    [
      "/event-publish/end?outcome=success",
      { source: empty, timestamp: ts, data: { blocking_nodes: [], executed_nodes: [2, 3, 4].map(node), blocked_paths: [] } },
    ],
  ].map(([path, body]) => [path, Buffer.from(JSON.stringify(body))]);

  /** One post as MISP's HttpSocket sends it; resolves with the time its answer was read to the end. */
  const post = (port, path, body) =>
    new Promise((resolve) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          method: "POST",
          agent: false,
          headers: {
            Host: `127.0.0.1:${port}`,
            Connection: "close",
            "User-Agent": "CakePHP",
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": body.length,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode === 200 ? { at: performance.now() } : { failed: `HTTP ${res.statusCode}` }));
        },
      );
      // MISP's read timeout.
      req.setTimeout(5000, () => req.destroy(new Error("timeout")));
      req.on("error", (e) => resolve({ failed: e.code ?? e.message }));
      req.end(body);
    });

  function startLoad(rate, connections, seconds) {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "--load", `${srv.url}/query`, rate, connections, seconds], {
      cwd: repo,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    return new Promise((resolve) => child.on("exit", () => resolve(JSON.parse(out || "{}"))));
  }

  const status = async () => (await fetch(`${srv.url}/console/api/status`)).json();
  /** The server's event-loop delay since the last read, max and p99 in ms (its /metrics: each read starts a new window). */
  const loopDelay = async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const get = (name) => Number(new RegExp(`^\\w*nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000;
    return { max: get("max"), p99: get("p99") };
  };

  /** 200 posts/s for SECONDS, open loop: a post is sent at its scheduled time whatever the earlier ones are doing. */
  async function receiverCell(where, loadKind) {
    const port = where === "listener" ? listenPort : Number(new URL(srv.url).port);
    const prefix = where === "listener" ? "" : "/workflow-debug";
    const before = await status();
    await loopDelay();
    const loop0 = cpuMs(srv.pid, srv.pid);
    const busy =
      loadKind === "busy"
        ? startLoad(BUSY_RATE, 8, SECONDS + 3)
        : loadKind === "saturated"
          ? startLoad(0, 16, SECONDS + 3)
          : Promise.resolve(undefined);
    // The load ramps up and a retention pass or two runs before the first post.
    if (loadKind !== "quiet") await new Promise((r) => setTimeout(r, 1500));
    const n = POST_RATE * SECONDS;
    const interval = 1000 / POST_RATE;
    const fromSchedule = [];
    const fromSend = [];
    const lag = [];
    const failures = [];
    const pending = [];
    const t0 = performance.now() + 10;
    for (let i = 0; i < n; i++) {
      const due = t0 + i * interval;
      // A timer fires late rather than early: that lateness is counted against the server (the
      // "scheduler lag" column shows how much of it there was).
      for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await new Promise((r) => setTimeout(r, wait));
      const sentAt = performance.now();
      lag.push(sentAt - due);
      const [path, body] = RUN[i % RUN.length];
      pending.push(
        post(port, prefix + path, body).then((r) => {
          if (r.failed) failures.push(r.failed);
          else fromSchedule.push(r.at - due), fromSend.push(r.at - sentAt);
        }),
      );
    }
    const elapsed = (performance.now() - t0) / 1000;
    await Promise.all(pending);
    const loopMs = cpuMs(srv.pid, srv.pid) - loop0;
    const delay = await loopDelay();
    const loadResult = await busy;
    const after = await status();
    const s = sortNum(fromSchedule);
    const t = sortNum(fromSend);
    const l = sortNum(lag);
    return {
      where,
      loadKind,
      sent: n / elapsed,
      p50: pctOf(s, 50),
      p99: pctOf(s, 99),
      max: s[s.length - 1],
      sendP99: pctOf(t, 99),
      lagP99: pctOf(l, 99),
      failures: failures.length ? `${failures.length} (${[...new Set(failures)].join(", ")})` : "0",
      queryRps: loadResult?.rps,
      recorded: after.journal.recorded - before.journal.recorded,
      dropped: after.receiver.dropped - before.receiver.dropped,
      load: load1(),
      delayMax: delay.max,
      loopUsPerPost: loadKind === "quiet" ? (loopMs / n) * 1000 : undefined,
    };
  }
  const cells = [];
  for (const loadKind of ["quiet", "busy", "saturated"])
    for (const where of ["main", "listener"]) cells.push(await receiverCell(where, loadKind));
  await srv.stop();
  loads.push(`after part 2 ${load1()}`);
  return { cells, sizes: RUN.map(([, b]) => (b.length / 1024).toFixed(0)).join("/") };
}

// ---- 3. the query list over 100,000 records ----
async function queryList() {
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
  let worstPage = 0;
  for (const [label, path] of [
    ["newest 50", "/queries?limit=50"],
    ["module=slack", "/queries?module=slack&limit=50"],
    ["outcome=error since 1d", "/queries?outcome=error&since=1d&limit=50"],
    ["page 2 (cursor)", "/queries?limit=50&before=99950"],
    ["text search, rare hit", "/queries?q=value-12345&limit=50"],
  ]) {
    const r = await timeIt(path);
    worstPage = Math.max(worstPage, r.median);
    listRows.push([label, r.median.toFixed(1), r.max.toFixed(1)]);
  }
  await big.stop();
  loads.push(`after part 3 ${load1()}`);
  return { listRows, worstPage };
}

// ---- report ----
const med = (xs) => spread(xs).median;
const verdict = (ok) => (ok ? "PASS" : "FAIL");
const verdicts = [];

const r1 = parts.has("1") ? await recordingCost() : undefined;
const r2 = parts.has("2") ? await receiverLatency() : undefined;
const r3 = parts.has("3") ? await queryList() : undefined;
for (const d of dirs) rmSync(d, { recursive: true, force: true });
console.log(`\nLoad average (1 min): ${loads.join(", ")}; ${availableParallelism()} cores`);

if (r1) {
  const { amount, rps, cpuPerRequest: cpuPerQuery, loopPerRequest: loopPerQuery, tpCost, cpuCost, loopCost, recorded } = r1;
  const tp = spread(tpCost);
  const cpu = spread(cpuCost);
  const loop = spread(loopCost);
  const range = (xs) => `${Math.min(...xs).toFixed(0)} … ${Math.max(...xs).toFixed(0)}`;
  const q = (x) => `${fmt(x.q1)} … ${fmt(x.q3)}`;
  const mm = (x) => `${fmt(x.min)} … ${fmt(x.max)}`;
  console.log(
    `\n1. Recording cost: POST /query testaction (${(queryBody.length / 1024).toFixed(0)} KiB MISP publish body), c=16; ${PAIRS} pairs of ${amount}-request slices, journal on (capture full) and off (--capture off) interleaved\n`,
  );
  console.log(
    table(
      ["", "median", "quartiles", "min … max"],
      [
        ["req/s, journal on", med(rps[0]).toFixed(0), "", range(rps[0])],
        ["req/s, journal off", med(rps[1]).toFixed(0), "", range(rps[1])],
        ["CPU µs per query (all threads), on", med(cpuPerQuery[0]).toFixed(0), "", range(cpuPerQuery[0])],
        ["CPU µs per query (all threads), off", med(cpuPerQuery[1]).toFixed(0), "", range(cpuPerQuery[1])],
        ["of which the event loop, on", med(loopPerQuery[0]).toFixed(0), "", range(loopPerQuery[0])],
        ["of which the event loop, off", med(loopPerQuery[1]).toFixed(0), "", range(loopPerQuery[1])],
        ["throughput cost per pair, %", fmt(tp.median), q(tp), mm(tp)],
        ["CPU cost per pair (all threads), %", fmt(cpu.median), q(cpu), mm(cpu)],
        ["event-loop CPU cost per pair, %", fmt(loop.median), q(loop), mm(loop)],
      ],
    ),
  );
  console.log(`${recorded} queries recorded by the journal-on server`);
  // Decisive only when the middle half of the pairs is on one side of the target; on a busy
  // machine the pairs' spread can be wider than the target itself.
  const v = costVerdict(tp, TARGET.costPct);
  verdicts.push(
    `${v === "UNDECIDED" ? `${v} (the quartiles straddle the target: rerun on a quieter machine)` : v} recording cost: median ${fmt(tp.median)} % of /query throughput at c=16 (quartiles ${q(tp)}; CPU per query ${fmt(cpu.median)} % all threads, ${fmt(loop.median)} % event loop), target ≤ ${TARGET.costPct} %`,
  );
}

if (r2) {
  const { cells, sizes } = r2;
  console.log(
    `\n2. Debug receiver: ${POST_RATE} posts/s for ${SECONDS} s per cell (MISP's way: new connection, Connection: close, form-encoded JSON; init / exec×3 / end, ${sizes} KiB); latency from each post's scheduled time`,
  );
  console.log(
    `busy store = /query testaction at a steady ${BUSY_RATE}/s (evenly paced on up to 8 connections, each recorded in full) + retention of ${(BUSY_RETENTION_DAYS * 86400).toFixed(1)} s (a pass about every second); saturated = /query at c=16 with no rate limit (not the target's condition)\n`,
  );
  const loadLabel = { quiet: "none", busy: "busy store", saturated: "saturated (c=16)" };
  console.log(
    table(
      [
        "receiver",
        "load",
        "posts/s sent",
        "p50 ms",
        "p99 ms",
        "max ms",
        "p99 from send ms",
        "scheduler lag p99 ms",
        "failed",
        "/query req/s",
        "recorded",
        "event-loop delay max ms",
        "load avg",
      ],
      cells.map((c) => [
        c.where === "listener" ? "--debug-listen" : "main port",
        loadLabel[c.loadKind],
        c.sent.toFixed(0),
        c.p50.toFixed(2),
        c.p99.toFixed(2),
        c.max.toFixed(1),
        c.sendP99.toFixed(2),
        c.lagP99.toFixed(2),
        c.failures,
        c.queryRps === undefined ? "" : c.queryRps.toFixed(0),
        String(c.recorded),
        c.delayMax.toFixed(0),
        c.load,
      ]),
    ),
  );
  console.log(`posts dropped by the receiver: ${cells.reduce((n, c) => n + c.dropped, 0)}`);
  for (const c of cells.filter((c) => c.loopUsPerPost !== undefined))
    console.log(
      `event-loop CPU per post, ${c.where === "listener" ? "--debug-listen" : "main port"}, no load: ${c.loopUsPerPost.toFixed(0)} µs`,
    );
  for (const [label, where] of [
    ["main port", "main"],
    ["--debug-listen", "listener"],
  ]) {
    const c = cells.find((c) => c.where === where && c.loadKind === "busy");
    verdicts.push(
      `${verdict(c.p99 < TARGET.p99Ms && c.failures === "0")} receiver p99 (${label}, busy store, ${POST_RATE} posts/s): ${c.p99.toFixed(2)} ms, target < ${TARGET.p99Ms} ms`,
    );
  }
}

if (r3) {
  console.log(`\n3. Query list over 100,000 records (15 requests each, ms)\n`);
  console.log(table(["page", "median", "max"], r3.listRows));
  verdicts.push(
    `${verdict(r3.worstPage < TARGET.pageMs)} query list page over 100,000 records: worst median ${r3.worstPage.toFixed(1)} ms, target < ${TARGET.pageMs} ms`,
  );
}
console.log(`\n${verdicts.join("\n")}`);
