// Cost of /metrics (issue 21): POST /query testaction at c=16 on the same server with metrics
// on and off, both started in this run and loaded in alternating 1 s slices (this machine's speed
// drifts; alternating keeps the ratio honest). A scrape of /metrics each second, as Prometheus
// would (more often than its usual 15 s). Usage: npm run build && node bench/metrics.mjs [slices]
import { load, roaming, startServer, table, testactionBody } from "./lib.mjs";

const slices = Number(process.argv[2] ?? 10);
const data = roaming();
const body = testactionBody(data);
const args = (extra) => (port) => ["dist/cli.js", "-p", String(port), "--no-console", ...extra];
const on = await startServer(args([]), { timeoutMs: 120_000 });
const off = await startServer(args(["--no-metrics"]), { timeoutMs: 120_000 });
const run = (s) =>
  load({ url: `${s.url}/query`, method: "POST", body, headers: { "content-type": "application/json" }, connections: 16, duration: 1 });
const scrape = setInterval(
  () =>
    fetch(`${on.url}/metrics`)
      .then((r) => r.text())
      .catch(() => undefined),
  1000,
);
await run(on);
await run(off);
const results = { on: [], off: [] };
for (let i = 0; i < slices; i++) {
  results.on.push(await run(on));
  results.off.push(await run(off));
}
clearInterval(scrape);
await on.stop();
await off.stop();
const mean = (rs) => rs.reduce((s, r) => s + r.rps, 0) / rs.length;
const [a, b] = [mean(results.on), mean(results.off)];
console.log(`\nPOST /query testaction, c=16, ${slices} × 1 s per server, alternating; /metrics scraped every second on the first.\n`);
console.log(
  table(
    ["server", "req/s", "p50 / p99 ms (median / worst)"],
    [
      [
        "metrics on",
        a.toFixed(0),
        `${results.on.map((r) => r.p50).sort((x, y) => x - y)[slices >> 1]} / ${Math.max(...results.on.map((r) => r.p99))}`,
      ],
      [
        "metrics off",
        b.toFixed(0),
        `${results.off.map((r) => r.p50).sort((x, y) => x - y)[slices >> 1]} / ${Math.max(...results.off.map((r) => r.p99))}`,
      ],
    ],
  ),
);
console.log(`\ncost of metrics: ${(((b - a) / b) * 100).toFixed(1)} % of throughput`);
