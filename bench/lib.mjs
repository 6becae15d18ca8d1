// Shared helpers for the benchmark scripts: free ports, child servers, autocannon runs, and the
// requests and events several scripts send.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";

export const repo = new URL("..", import.meta.url).pathname;

/** A roaming-data fixture (test/fixtures/roaming/<name>.json), parsed. */
export function roaming(name = "event-publish-tlp-red") {
  return JSON.parse(readFileSync(join(repo, `test/fixtures/roaming/${name}.json`), "utf8"));
}

/**
 * The /query body of the built-in testaction as MISP sends it for a node with a hash path
 * (`matchingData`: false leaves MISP's extraction out).
 */
export function testactionBody(data, { matchingData = true } = {}) {
  return JSON.stringify({
    module: "testaction",
    data,
    params: { foo: "", data_extraction_path: "Event._AttributeFlattened.{n}.value" },
    ...(matchingData ? { matchingData: { "Data Extraction Path": data.Event._AttributeFlattened.map((a) => a.value) } } : {}),
  });
}

/**
 * The mixed galaxy/objects event with `wanted` attributes: its own cloned with distinct ids,
 * uuids and values (the exports' benchmarks: one document or message per attribute).
 */
export function synthesiseEvent(wanted) {
  const data = roaming("event-publish-mixed-galaxy-objects");
  const event = data.Event;
  const originals = event._AttributeFlattened;
  const flattened = [];
  for (let i = 0; i < wanted; i++) {
    const source = originals[i % originals.length];
    const suffix = String(i).padStart(12, "0");
    flattened.push({ ...source, id: String(100000 + i), uuid: `${source.uuid.slice(0, 24)}${suffix}`, value: `${source.value}-${i}` });
  }
  event._AttributeFlattened = flattened;
  event.Attribute = flattened.filter((a) => !a.object_id || a.object_id === "0");
  event.attribute_count = String(wanted);
  return data;
}

/** True when the server should run from src/ through tsx: asked for (`--source`), or nothing is built. */
export function fromSource(asked = false) {
  return asked || !existsSync(join(repo, "dist/cli.js"));
}

/** The node arguments that start the CLI, from src/ (tsx) or dist/. */
export function cliEntry(source) {
  return source ? ["--import", "tsx", "src/cli.ts"] : ["dist/cli.js"];
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The node flags the server ships with, read from `npm start` (the Dockerfile and the systemd
 * unit pass the same): the 2 MB semi-space changes how often the main thread collects, and with
 * it the latency tail (docs/operations-runtime.md, "Memory"), so a bench measures what users run.
 */
export const shippedNodeFlags = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"))
  .scripts.start.split(/\s+/)
  .filter((t) => t.startsWith("--"));

/**
 * Spawns a server process and resolves once GET /healthcheck answers; reports the time it took.
 * Node runs with `nodeFlags` (the shipped ones unless told otherwise: a bare-Fastify baseline
 * passes its own).
 */
export async function startServer(args, { env = {}, timeoutMs = 20_000, nodeFlags = shippedNodeFlags } = {}) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, ...args(port)], {
    cwd: repo,
    // No debug listener unless a bench names one: several servers at once would race for
    // MISP's port 127.0.0.1:27051, and the two sides of a comparison must be alike.
    env: { ...process.env, MISP_MODULES_WATCH: "false", MISP_MODULES_DEBUG_LISTEN: "off", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthcheck`);
      if (r.ok) break;
    } catch {}
    if (performance.now() - started > timeoutMs) throw new Error(`server ${args(port).join(" ")} did not start`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const startupMs = performance.now() - started;
  return {
    url,
    pid: child.pid,
    startupMs,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024,
    stop: () =>
      new Promise((r) => {
        child.once("exit", r);
        child.kill("SIGTERM");
      }),
  };
}

export async function load(opts) {
  const result = await autocannon({ duration: 5, ...opts });
  if (result.non2xx || result.errors) throw new Error(`${opts.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** CPU time (user + system) the process has used so far, in ms: all threads, or only thread `tid` (its main thread: tid = pid). */
export function cpuMs(pid, tid) {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const f = readFileSync(path, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Median, quartiles and extremes of a list of numbers. */
export function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return { median: at(50), q1: at(25), q3: at(75), min: s[0], max: s[s.length - 1] };
}

/**
 * The verdict on a cost measured over interleaved pairs (`spread` of the per-pair costs, in %):
 * PASS when three quarters of the pairs are within the target, FAIL when the median is not,
 * UNDECIDED otherwise (the pairs' spread, the machine's noise, is wider than the target).
 */
export function costVerdict(cost, targetPct) {
  return cost.q3 <= targetPct ? "PASS" : cost.median > targetPct ? "FAIL" : "UNDECIDED";
}

/**
 * The same request load against servers with a feature on and off, in many short slices of a
 * fixed request count, interleaved (on/off, then off/on) so that the machine's drift falls on
 * both alike. `on` and `off` may each be several processes of the same build and flags: pair i
 * uses the (i mod n)-th of each, because one process can run a few % faster or slower than
 * another for its whole life (code and heap layout), which one pair of processes would report as
 * the feature's cost. Per pair: the throughput ratio, and the CPU time per request of the whole
 * process (all threads) and of its main thread (the event loop), read from /proc. By default a
 * slice's CPU runs to that process's next slice, so what it does between its slices (a writer
 * thread's backlog) is counted; `countBetweenSlices: false` stops it at the slice's end, for a
 * feature whose idle work (a timer) would otherwise be charged to the few requests of one slice.
 * Costs in % (positive: the "on" side is slower or uses more CPU).
 * `onSlice(server, side)` is told which process is about to be loaded (side 0: on, 1: off).
 */
export async function interleavedCost(on, off, { request, pairs, connections = 16, onSlice, countBetweenSlices = true, warmSeconds = 6 }) {
  const sides = [[on].flat(), [off].flat()];
  const slice = async (s, amount) => {
    const t = performance.now();
    // sampleInt: autocannon notices the last answer only at its next sample tick (1 s by default).
    const r = await autocannon({ ...request, url: `${s.url}${request.path}`, connections, amount, sampleInt: 5 });
    if (r.non2xx || r.errors) throw new Error(`${s.url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return amount / ((performance.now() - t) / 1000);
  };
  // Warm-up: a fresh server keeps getting faster for its first ~20,000 requests (the JIT; 345
  // then 293 µs of CPU per testaction query here), so each process first gets `warmSeconds` of
  // load. Then the slice size: about one second of requests (CPU time is counted in 10 ms ticks).
  for (const s of sides.flat()) await autocannon({ ...request, url: `${s.url}${request.path}`, connections, duration: warmSeconds });
  const warm = [];
  for (const s of sides.flat()) warm.push(await slice(s, 2000));
  const amount = Math.max(300, Math.round(Math.min(...warm) / 100) * 100);
  const rps = [[], []];
  // Per process: its CPU marks, and which result slot each of its slices fills.
  const marks = new Map(sides.flat().map((s) => [s, { all: [], loop: [], slots: [] }]));
  const mark = (s, slot) => {
    const m = marks.get(s);
    m.all.push(cpuMs(s.pid));
    m.loop.push(cpuMs(s.pid, s.pid));
    if (slot !== undefined) m.slots.push(slot);
  };
  const ends = new Map(sides.flat().map((s) => [s, { all: [], loop: [] }]));
  for (let i = 0; i < pairs; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const s = sides[k][i % sides[k].length];
      onSlice?.(s, k);
      mark(s, [k, i]);
      rps[k].push(await slice(s, amount));
      ends.get(s).all.push(cpuMs(s.pid));
      ends.get(s).loop.push(cpuMs(s.pid, s.pid));
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const s of sides.flat()) mark(s);
  const cpuPerRequest = [[], []];
  const loopPerRequest = [[], []];
  for (const [s, m] of marks)
    m.slots.forEach(([k, i], j) => {
      const end = countBetweenSlices ? { all: m.all[j + 1], loop: m.loop[j + 1] } : { all: ends.get(s).all[j], loop: ends.get(s).loop[j] };
      cpuPerRequest[k][i] = ((end.all - m.all[j]) / amount) * 1000;
      loopPerRequest[k][i] = ((end.loop - m.loop[j]) / amount) * 1000;
    });
  return {
    amount,
    rps,
    cpuPerRequest,
    loopPerRequest,
    tpCost: rps[0].map((r, i) => (1 - r / rps[1][i]) * 100),
    cpuCost: cpuPerRequest[0].map((c, i) => (c / cpuPerRequest[1][i] - 1) * 100),
    loopCost: loopPerRequest[0].map((c, i) => (c / loopPerRequest[1][i] - 1) * 100),
  };
}

/**
 * Requests at a steady rate: one every 1000/rate ms, on at most `connections` keep-alive
 * connections, sent at its time whatever the earlier ones are doing (open loop). autocannon's
 * own rate option is not this: each connection sends at full speed until it has made its share
 * of the second, then waits for the next second, so "400/s" arrives as a burst that saturates
 * the server for a tenth of every second.
 */
export async function pacedLoad({ url, method = "POST", body, headers, rate, connections, seconds }) {
  const { Pool } = await import("undici");
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1 });
  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  const pending = new Set();
  const t0 = performance.now();
  const n = Math.round(rate * seconds);
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await new Promise((r) => setTimeout(r, wait));
    const p = pool
      .request({ path: target.pathname + target.search, method, body, headers })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
        latencies.push(performance.now() - due);
      })
      .catch(() => errors++)
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, non2xx, errors };
}
