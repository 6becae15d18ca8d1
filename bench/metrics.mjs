// Cost of /metrics (issue 21, target ≤ 3 % of testaction throughput at c=16): POST /query
// testaction against the built server with metrics on and the same server with --no-metrics, both
// started in this run (three processes of each, used in turn), in many short interleaved slices of
// a fixed request count (bench/lib.mjs, interleavedCost: this machine's speed drifts, and one
// process differs from the next, by more than the cost we look for, so one long run per server
// says nothing). /metrics is scraped every second on the process being loaded, as a busy
// Prometheus would (its usual interval is 15 s). Reports per pair the throughput cost and the CPU
// time per query (whole process, and the event loop), median and quartiles, then a verdict on
// throughput, the console bench's rule: PASS when three quarters of the pairs are within the
// target, FAIL when the median is not, UNDECIDED otherwise (the machine's noise is wider).
// --control starts both sides with --no-metrics: what this method reports when there is no cost.
// Usage: npm run build && node bench/metrics.mjs [pairs] [--control]
import { availableParallelism, loadavg } from "node:os";
import { costVerdict, cpuMs, interleavedCost, roaming, spread, startServer, table, testactionBody } from "./lib.mjs";

const TARGET_PCT = 3;
const control = process.argv.includes("--control");
const pairs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 30);
/** Processes per side, used in turn (one process can be a few % faster than another for its whole life). */
const PROCESSES = 3;
const body = testactionBody(roaming());
const args = (extra) => (port) => ["dist/cli.js", "-p", String(port), "--no-console", ...extra];
const load0 = loadavg()[0];
const on = [];
const off = [];
for (let i = 0; i < PROCESSES; i++) {
  on.push(await startServer(args(control ? ["--no-metrics"] : []), { timeoutMs: 120_000 }));
  off.push(await startServer(args(["--no-metrics"]), { timeoutMs: 120_000 }));
}
// Prometheus scraping a loaded server every second: the process being loaded is scraped, on both
// sides (--no-metrics answers 404), so that the scrapes cost the load generator alike.
let scrapes = 0;
let current;
const scrape = setInterval(() => {
  if (!current) return;
  fetch(`${current.url}/metrics`)
    .then((r) => r.text())
    .then(() => scrapes++)
    .catch(() => undefined);
}, 1000);
const r = await interleavedCost(on, off, {
  request: { path: "/query", method: "POST", body, headers: { "content-type": "application/json" } },
  pairs,
  // The event-loop delay monitor of the process metrics wakes an idle server 100 times a second
  // (2–4 ms of CPU per second here): counted apart below, not charged to a slice's queries.
  countBetweenSlices: false,
  onSlice: (s) => {
    current = s;
  },
});
clearInterval(scrape);
// Idle cost: the CPU each process uses in 5 s with no request at all (timers), all processes at once.
const IDLE_S = 5;
const idle0 = new Map([...on, ...off].map((s) => [s, cpuMs(s.pid)]));
await new Promise((r) => setTimeout(r, IDLE_S * 1000));
/** Mean CPU ms per second of a side's processes over the idle time (read now, before they stop). */
const idleOf = (side) => (side.reduce((a, s) => a + (cpuMs(s.pid) - idle0.get(s)) / IDLE_S, 0) / side.length).toFixed(1);
const idle = { on: idleOf(on), off: idleOf(off) };
for (const s of [...on, ...off]) await s.stop();

const fmt = (x) => (x >= 0 ? "+" : "") + x.toFixed(1);
const med = (xs) => spread(xs).median;
const row = (label, xs) => {
  const s = spread(xs);
  return [label, fmt(s.median), `${fmt(s.q1)} … ${fmt(s.q3)}`, `${fmt(s.min)} … ${fmt(s.max)}`];
};
console.log(
  `\nPOST /query testaction, c=16, ${pairs} pairs of ${r.amount}-request slices, metrics on / --no-metrics interleaved, ${PROCESSES} processes per side used in turn; /metrics scraped every second on the process being loaded (${scrapes} scrapes). Load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}, ${availableParallelism()} cores.\n`,
);
console.log(
  table(
    ["", "metrics on", "metrics off"],
    [
      ["req/s (median slice)", med(r.rps[0]).toFixed(0), med(r.rps[1]).toFixed(0)],
      ["CPU µs per query, all threads", med(r.cpuPerRequest[0]).toFixed(0), med(r.cpuPerRequest[1]).toFixed(0)],
      ["CPU µs per query, event loop", med(r.loopPerRequest[0]).toFixed(0), med(r.loopPerRequest[1]).toFixed(0)],
      [`CPU ms per second when idle (${IDLE_S} s, mean of the processes)`, idle.on, idle.off],
    ],
  ),
);
console.log("");
console.log(
  table(
    ["cost of metrics, per pair", "median %", "quartiles", "min … max"],
    [row("throughput", r.tpCost), row("CPU per query, all threads", r.cpuCost), row("CPU per query, event loop", r.loopCost)],
  ),
);
const tp = spread(r.tpCost);
if (control) console.log("\n(control run: both sides --no-metrics; the figures above are this method's noise)");
else
  console.log(
    `\n${costVerdict(tp, TARGET_PCT)} metrics cost: median ${fmt(tp.median)} % of /query throughput at c=16 (quartiles ${fmt(tp.q1)} … ${fmt(tp.q3)}; CPU per query ${fmt(med(r.cpuCost))} % all threads), target ≤ ${TARGET_PCT} %`,
  );
