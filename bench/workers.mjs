// --workers (issue 21): POST /query testaction at c=64 with 1 and 2 server processes on one port,
// both started in this run and loaded in alternating slices. On a 2-core machine the load
// generator takes a core too, so 2 workers cannot double; the ratio is what this measures.
// Usage: npm run build && node bench/workers.mjs [slices]
import { load, roaming, startServer, table, testactionBody } from "./lib.mjs";

const slices = Number(process.argv[2] ?? 8);
const data = roaming();
const body = testactionBody(data);
const args = (n) => (port) => [
  "dist/cli.js",
  "-p",
  String(port),
  "--no-console",
  "--workers",
  String(n),
  "--data-dir",
  `/tmp/mmts-bench-workers-${n}`,
];
const one = await startServer(args(1), { timeoutMs: 120_000 });
const two = await startServer(args(2), { timeoutMs: 120_000 });
// Both workers of the second must be up, not only the first to answer.
await new Promise((r) => setTimeout(r, 5000));
const run = (s) =>
  load({ url: `${s.url}/query`, method: "POST", body, headers: { "content-type": "application/json" }, connections: 64, duration: 2 });
await run(one);
await run(two);
const results = { one: [], two: [] };
for (let i = 0; i < slices; i++) {
  results.one.push(await run(one));
  results.two.push(await run(two));
}
await one.stop();
await two.stop();
const mean = (rs) => rs.reduce((s, r) => s + r.rps, 0) / rs.length;
const [a, b] = [mean(results.one), mean(results.two)];
console.log(`\nPOST /query testaction, c=64, ${slices} × 2 s per server, alternating.\n`);
console.log(
  table(
    ["workers", "req/s", "p99 ms (worst)"],
    [
      ["1", a.toFixed(0), String(Math.max(...results.one.map((r) => r.p99)))],
      ["2", b.toFixed(0), String(Math.max(...results.two.map((r) => r.p99)))],
    ],
  ),
);
console.log(`\n2 workers / 1 worker: ${((b / a) * 100).toFixed(0)} %`);
