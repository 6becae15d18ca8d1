import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

// The real command line (`node --import tsx src/cli.ts`) serving custom roots on a free port:
// native module loading as in production, outside vitest's module graph.

const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliServer {
  url: string;
  /** Every JSON log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line (already seen or future) that matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  get(path: string): Promise<unknown>;
  query(body: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startCliServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliServer> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", CLI, "-p", "0", "-l", "127.0.0.1", ...args], {
    cwd: PACKAGE_ROOT,
    // Not process.env: vitest variables would make the child think it runs under vitest.
    // MISP_MODULES_DEBUG_LISTEN: off unless asked, as for every test server (vitest.config.ts).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, MISP_MODULES_DEBUG_LISTEN: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  let stderr = "";
  let pending = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  child.stdout!.on("data", (c: Buffer) => {
    pending += c.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(line);
      for (const w of waiters) if (w.match(line)) waiters.delete(w), w.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const w = { match, resolve: (l: Record<string, unknown>) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(
        () => (waiters.delete(w), reject(new Error(`log line not seen within ${timeoutMs} ms; stderr: ${stderr}`))),
        timeoutMs,
      );
      waiters.add(w);
      void exited.then((code) => reject(new Error(`server exited with ${code}; stderr: ${stderr}`)));
    });
  };

  const listening = await waitForLog((l) => l.msg === "misp-modules-ts listening", 30_000);
  const url = String(listening.address);
  return {
    url,
    logs,
    waitForLog,
    async get(path) {
      return (await fetch(`${url}${path}`)).json();
    },
    async query(body) {
      const res = await fetch(`${url}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`/query answered HTTP ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
