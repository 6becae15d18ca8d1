#!/usr/bin/env node
// The outbox (docs/delivery.md): what MISP waits for, and how fast queued jobs drain.
//
//   npm run build && node bench/outbox.mjs [--duration 10] [--jobs 2000] [--source]
//
// 1. MISP-facing latency of http_webhook at c=16 against an endpoint that answers after 200 ms:
//    the same server, the same request, with the node's delivery parameter `sync` (the baseline:
//    MISP waits for the endpoint) and `queued` (MISP waits for the job to be stored).
// 2. Outbox throughput: --jobs queued requests to an endpoint that answers at once, from the first
//    request until the endpoint has them all, on SQLite and (when /usr/bin/redis-server exists) on
//    a Redis started for the run.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { cliEntry, freePort, fromSource, startServer, table } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    jobs: { type: "string", default: "2000" },
    source: { type: "boolean", default: false },
  },
});
const useSource = fromSource(args.source);

function endpoint(delayMs) {
  const seen = new Set();
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      count++;
      seen.add(req.headers["webhook-id"]);
      const answer = () => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/hook`,
        count: () => count,
        distinct: () => seen.size,
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

function query(url, delivery) {
  return JSON.stringify({
    module: "http_webhook",
    data: {
      Event: {
        uuid: "5e1b7c3a-0000-4000-8000-000000000001",
        info: "bench",
        Attribute: Array.from({ length: 20 }, (_, i) => ({ type: "ip-dst", value: `198.51.100.${i}` })),
      },
    },
    params: { url, request_method: "post", content_type: "json", delivery },
  });
}

async function serve(extra, dataDir) {
  const config = join(dataDir, "config.json");
  writeFileSync(config, JSON.stringify({ outbox: { pollMs: 50, concurrency: 16, destinationConcurrency: 16, ...extra } }));
  return startServer(
    (port) => [...cliEntry(useSource), "-p", String(port), "-l", "127.0.0.1", "--no-console", "--data-dir", dataDir, "--config", config],
    { timeoutMs: 60_000 },
  );
}

async function latency(server, url, delivery) {
  const r = await autocannon({
    url: `${server.url}/query`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: query(url, delivery),
    connections: 16,
    duration: Number(args.duration),
  });
  if (r.non2xx || r.errors) throw new Error(`${delivery}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

async function drain(server, ep, n) {
  const started = performance.now();
  const r = await autocannon({
    url: `${server.url}/query`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: query(ep.url, "queued"),
    connections: 16,
    amount: n,
  });
  if (r.non2xx || r.errors) throw new Error(`drain: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const queuedMs = performance.now() - started;
  while (ep.count() < n) {
    if (performance.now() - started > 600_000) throw new Error(`only ${ep.count()} of ${n} delivered`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const totalMs = performance.now() - started;
  return { queuedMs, totalMs, rate: (n / totalMs) * 1000, distinct: ep.distinct() };
}

async function startRedis() {
  if (!existsSync("/usr/bin/redis-server")) return undefined;
  const port = await freePort();
  const child = spawn("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await new Promise((r) => setTimeout(r, 500));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "bench-outbox-"));
  dirs.push(d);
  return d;
};
try {
  console.log(`server: ${useSource ? "src via tsx" : "dist"}; 2 cores shared with the load generator and the endpoints`);
  const slow = await endpoint(200);
  const server = await serve({ retryScheduleMs: [1000] }, tmp());
  const sync = await latency(server, slow.url, "sync");
  const queued = await latency(server, slow.url, "queued");
  await server.stop();
  console.log(`\nhttp_webhook, c=16, endpoint answers after 200 ms, ${args.duration} s each (POST /query as MISP sees it)\n`);
  console.log(
    table(
      ["delivery", "req/s", "p50 ms", "p99 ms"],
      [
        ["sync (baseline)", sync.rps.toFixed(0), sync.p50, sync.p99],
        ["queued", queued.rps.toFixed(0), queued.p50, queued.p99],
      ],
    ),
  );
  await slow.close();

  const n = Number(args.jobs);
  const rows = [];
  for (const backend of ["sqlite", "redis"]) {
    const redis = backend === "redis" ? await startRedis() : undefined;
    if (backend === "redis" && !redis) {
      console.log("\n(no /usr/bin/redis-server: Redis throughput skipped)");
      continue;
    }
    const fast = await endpoint(0);
    const s = await serve(redis ? { backend: "redis", redisUrl: redis.url } : {}, tmp());
    const d = await drain(s, fast, n);
    await s.stop();
    redis?.stop();
    await fast.close();
    rows.push([backend, n, (d.queuedMs / 1000).toFixed(1), (d.totalMs / 1000).toFixed(1), d.rate.toFixed(0), d.distinct]);
  }
  console.log(`\noutbox throughput: ${n} queued http_webhook requests (c=16) to an endpoint that answers at once\n`);
  console.log(table(["backend", "jobs", "all queued after s", "all delivered after s", "deliveries/s", "distinct ids"], rows));
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
