// Core benchmark (issue #2): GET /modules and POST /query testaction, ours vs. a bare
// Fastify handler started in the same run, at concurrency 1, 16 and 64; plus start-up time
// to the first healthy /healthcheck and idle RSS. Load generator: autocannon (npm).
// Usage: npm run build && node bench/core.mjs [seconds per cell and server]
//
// This machine's speed drifts by a quarter within minutes, so each cell alternates the two
// servers in 1-second slices (after a warm-up of each) instead of running one after the other:
// both see the same drift, and their ratio stays put.
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { load, roaming, startServer, table, testactionBody } from "./lib.mjs";

const duration = Number(process.argv[2] ?? 5);
const data = roaming();
const queryBody = testactionBody(data);

// Start-up: median of several cold starts (one start alone varies by ±100 ms on this machine).
const STARTS = 7;
async function startupMedian(args) {
  const times = [];
  for (let i = 0; i < STARTS; i++) {
    const s = await startServer(args);
    times.push(s.startupMs);
    await s.stop();
  }
  times.sort((a, b) => a - b);
  return { median: times[STARTS >> 1], min: times[0], max: times[STARTS - 1] };
}
const oursStartup = await startupMedian((port) => ["dist/cli.js", "-p", String(port)]);

const ours = await startServer((port) => ["dist/cli.js", "-p", String(port)]);
await new Promise((r) => setTimeout(r, 1000));
const idleRss = ours.rssMb();
// The bare server sends the very bytes of our /modules listing, so both routes move the same payload.
const listingFile = `${tmpdir()}/misp-modules-ts-bench-modules.json`;
writeFileSync(listingFile, Buffer.from(await (await fetch(`${ours.url}/modules`)).arrayBuffer()));
const bareStartup = await startupMedian((port) => ["bench/bare-fastify.mjs", String(port), listingFile]);
const bare = await startServer((port) => ["bench/bare-fastify.mjs", String(port), listingFile], { nodeFlags: [] });

/** Runs two loads in alternating 1 s slices; mean req/s, median p50 and worst p99 of each. */
async function alternate(runA, runB) {
  await runA(1);
  await runB(1);
  const slices = [[], []];
  for (let i = 0; i < Math.max(1, Math.round(duration)); i++) {
    slices[0].push(await runA(1));
    slices[1].push(await runB(1));
  }
  return slices.map((runs) => {
    const p50s = runs.map((r) => r.p50).sort((x, y) => x - y);
    return {
      rps: runs.reduce((sum, r) => sum + r.rps, 0) / runs.length,
      p50: p50s[p50s.length >> 1],
      p99: Math.max(...runs.map((r) => r.p99)),
    };
  });
}

const rows = [];
const ratios = {};
for (const c of [1, 16, 64]) {
  for (const [route, opts] of [
    ["GET /modules", { method: "GET", path: "/modules" }],
    ["POST /query testaction", { method: "POST", path: "/query", body: queryBody, headers: { "content-type": "application/json" } }],
  ]) {
    const [a, b] = await alternate(
      (duration) =>
        load({ url: ours.url + opts.path, method: opts.method, body: opts.body, headers: opts.headers, connections: c, duration }),
      (duration) =>
        load({ url: bare.url + opts.path, method: opts.method, body: opts.body, headers: opts.headers, connections: c, duration }),
    );
    ratios[`${route} c=${c}`] = a.rps / b.rps;
    rows.push([
      route,
      String(c),
      a.rps.toFixed(0),
      `${a.p50} / ${a.p99}`,
      b.rps.toFixed(0),
      `${b.p50} / ${b.p99}`,
      `${((a.rps / b.rps) * 100).toFixed(0)} %`,
    ]);
  }
}
await ours.stop();
await bare.stop();

console.log(
  `\nRequest body for /query: ${(queryBody.length / 1024).toFixed(0)} KiB (event-publish-tlp-red.json); /modules reply: ${(readFileSync(listingFile).length / 1024).toFixed(0)} KiB on both. ${duration} × 1 s per server and cell, alternating.\n`,
);
console.log(table(["route", "c", "ours req/s", "ours p50 / p99 ms", "bare Fastify req/s", "bare p50 / p99 ms", "ours / bare"], rows));
const range = (r) => `median ${r.median.toFixed(0)} ms (${r.min.toFixed(0)}–${r.max.toFixed(0)})`;
console.log(
  `\nstart-up to first healthy /healthcheck, ${STARTS} cold starts: ours ${range(oursStartup)}; bare Fastify ${range(bareStartup)}`,
);
console.log(`idle RSS: ${idleRss.toFixed(0)} MB`);
console.log(`targets: /query testaction c=16 ≥ 70 % of bare → ${(ratios["POST /query testaction c=16"] * 100).toFixed(0)} %`);
