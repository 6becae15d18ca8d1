import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { freePort, waitHealthy } from "../helpers/child-server.js";

// The reliability suite's harness (issue 19; docs/security.md). Conventions for every file in
// test/reliability/:
// - the server under test is the real CLI in a child process (startServer): a stall, a crash or
//   an exit in it cannot hide behind the test runner, and its RSS and fd limit are its own;
// - traffic goes to 127.0.0.1 only, every loop is bounded, every test ends well under a minute;
// - "alive" means the process still runs and /healthcheck answers (assertAlive);
// - latency is measured from a worker thread (LatencySampler), so the test's own event loop,
//   busy pushing request bodies, does not inflate the figures;
// - files that assert wall-clock figures go in the TIMING list of vitest.config.ts;
// - bounds carry a comment saying why they are what they are: CI is a shared 2-core machine.

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CLI = fileURLToPath(new URL("../../bin/misp-modules-ts.js", import.meta.url));

export interface ServerOptions {
  /** Extra CLI arguments. */
  args?: string[];
  /** Extra environment (MISP_MODULES_*). */
  env?: Record<string, string>;
  /** Soft and hard `ulimit -n` for the child. */
  fdLimit?: number;
  /** Milliseconds to wait for the first healthy /healthcheck. */
  startMs?: number;
}

export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  pid: number;
  /** Everything the server wrote to stdout (JSON log lines) so far. */
  output(): string;
  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[];
  /** Resident memory of the child in MB (VmRSS). */
  rssMb(): number;
  /** Open file descriptors of the child. */
  openFds(): number;
  alive(): boolean;
  /** SIGTERM and wait for exit (SIGKILL after `ms`). */
  stop(ms?: number): Promise<number | null>;
}

export async function startServer(opts: ServerOptions = {}): Promise<ChildServer> {
  const port = await freePort();
  const args = [CLI, "-p", String(port), "-l", "127.0.0.1", ...(opts.args ?? [])];
  // The default configuration, journal included; each server gets a data directory of its own.
  const dataDir = mkdtempSync(join(tmpdir(), "mmts-rel-"));
  const env = { ...process.env, MISP_MODULES_WATCH: "false", MISP_MODULES_CUSTOM: "", MISP_MODULES_DATA_DIR: dataDir, ...opts.env };
  // `ulimit -n` applies to the shell, then exec keeps the same process (and pid) for node.
  const child =
    opts.fdLimit === undefined
      ? spawn(process.execPath, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn("/bin/sh", ["-c", `ulimit -n ${opts.fdLimit} && exec "$0" "$@"`, process.execPath, ...args], {
          cwd: REPO,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
  child.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  child.stderr!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, opts.startMs ?? 50_000, child);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${(e as Error).message}\n${out}`);
  }
  const pid = child.pid!;
  return {
    url,
    port,
    child,
    pid,
    output: () => out,
    logs: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return {};
          }
        }),
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024,
    openFds: () => readdirSync(`/proc/${pid}/fd`).length,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: (ms = 15_000) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill("SIGKILL"), ms);
        child.once("exit", (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Fails unless the child still runs and GET /healthcheck answers 200 within `ms`. */
export async function assertAlive(s: ChildServer, ms = 5000): Promise<void> {
  if (!s.alive()) throw new Error(`server exited (code ${s.child.exitCode}, signal ${s.child.signalCode})\n${s.output().slice(-4000)}`);
  const r = await getJson(`${s.url}/healthcheck`, ms);
  if (r.status !== 200) throw new Error(`/healthcheck answered ${r.status}`);
}

/** A GET on a fresh connection (as MISP's curl does), with a timeout. */
export function getJson(url: string, ms = 5000): Promise<{ status: number; body: unknown; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { agent: false, timeout: ms }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${ms} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** POSTs a body (string or Buffer) on a fresh connection and reads the JSON reply. */
export function postRaw(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  ms = 60_000,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: false,
        timeout: ms,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* asserted by the caller */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`POST ${url}: no answer within ${ms} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** What a raw client connection saw: the reply text (if any) and when the server closed it. */
export interface RawOutcome {
  reply: string;
  status: number;
  /** Milliseconds from connect until the server closed (or reset) the connection; -1 while open. */
  closedAfterMs: number;
}

/**
 * Opens a raw connection, sends `head` (request line, headers and part of the body) and then
 * nothing more, or `trickle` bytes at an interval: a half-sent or trickling upload.
 */
export function halfSent(
  port: number,
  head: string | Buffer,
  trickle?: { everyMs: number; byte?: string },
): { socket: Socket; outcome: Promise<RawOutcome> } {
  const socket = connect(port, "127.0.0.1");
  const t0 = performance.now();
  let reply = "";
  let timer: NodeJS.Timeout | undefined;
  socket.on("connect", () => {
    socket.write(head);
    if (trickle) timer = setInterval(() => socket.writable && socket.write(trickle.byte ?? " "), trickle.everyMs);
  });
  socket.on("data", (c: Buffer) => {
    reply += c.toString("latin1");
  });
  const outcome = new Promise<RawOutcome>((resolve) => {
    const done = () => {
      clearInterval(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
      resolve({ reply, status, closedAfterMs: performance.now() - t0 });
    };
    socket.on("close", done);
    socket.on("error", () => undefined);
  });
  return { socket, outcome };
}

/** Request head of a POST /query with the given Content-Length (or chunked when undefined). */
export function queryHead(contentLength: number | undefined, bodyStart = '{"module":"testaction","data":{"x":"'): string {
  const framing = contentLength === undefined ? "Transfer-Encoding: chunked" : `Content-Length: ${contentLength}`;
  const start = contentLength === undefined ? `${bodyStart.length.toString(16)}\r\n${bodyStart}\r\n` : bodyStart;
  return `POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${framing}\r\n\r\n${start}`;
}

/** The JSON body of a raw HTTP reply, or undefined. */
export function replyJson(raw: string): Record<string, unknown> | undefined {
  const i = raw.indexOf("\r\n\r\n");
  if (i < 0) return undefined;
  try {
    return JSON.parse(raw.slice(i + 4)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Latency sampling from a worker thread.

const SAMPLER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { urls, intervalMs, timeoutMs } = workerData;
let stop = false;
const samples = [];
parentPort.on("message", () => { stop = true; });
function once(url) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve({ ms: performance.now() - t0, ok: res.statusCode === 200 }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ ms: performance.now() - t0, ok: false }));
    req.end();
  });
}
(async () => {
  let i = 0;
  while (!stop) {
    const url = urls[i++ % urls.length];
    const r = await once(url);
    samples.push([url, r.ms, r.ok]);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  parentPort.postMessage(samples);
})();
`;

export interface LatencyReport {
  count: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
  /** Per URL. */
  byUrl: Record<string, { count: number; p99: number; max: number }>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Samples GET latency of the given URLs (round robin, one request at a time on a fresh
 * connection, `intervalMs` apart) until stop() — which returns p50/p99/max in milliseconds.
 */
export function sampleLatency(urls: string[], intervalMs = 10, timeoutMs = 10_000): { stop(): Promise<LatencyReport> } {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { urls, intervalMs, timeoutMs } });
  const result = new Promise<[string, number, boolean][]>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    async stop() {
      worker.postMessage("stop");
      const samples = await result;
      await worker.terminate();
      const all = samples.map((s) => s[1]).sort((a, b) => a - b);
      const byUrl: LatencyReport["byUrl"] = {};
      for (const u of urls) {
        const mine = samples
          .filter((s) => s[0] === u)
          .map((s) => s[1])
          .sort((a, b) => a - b);
        byUrl[u] = { count: mine.length, p99: percentile(mine, 99), max: mine[mine.length - 1] ?? NaN };
      }
      return {
        count: all.length,
        failures: samples.filter((s) => !s[2]).length,
        p50: percentile(all, 50),
        p99: percentile(all, 99),
        max: all[all.length - 1] ?? NaN,
        byUrl,
      };
    },
  };
}

/** Polls `fn` every `everyMs` until it returns true or `ms` pass; returns the last value seen. */
export async function waitFor<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms: number, everyMs = 250): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
