import { type ChildProcess, type ExecFileOptions, execFile } from "node:child_process";
import { createServer } from "node:net";

// For tests that run the server as a child process: a free loopback port and waiting for health.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once GET /healthcheck answers 200; fails early when the child has exited. */
export async function waitHealthy(url: string, ms: number, child?: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthcheck`)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error("server did not become healthy");
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface NodeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ARGS` to its end and collects its output, without blocking this test worker. The
 * Sync forms of child_process would: a CLI run takes over a minute on a loaded 2-core machine, and
 * a vitest worker blocked that long misses its own 60 s RPC deadline ("Timeout calling
 * onTaskUpdate"), failing a run in which every test passed (test/README.md).
 */
export function runNode(args: string[], options: ExecFileOptions & { input?: string } = {}): Promise<NodeRun> {
  const { input, ...rest } = options;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, { maxBuffer: 64 * 1024 * 1024, ...rest, encoding: "utf8" }, (_err, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout: String(stdout), stderr: String(stderr) }),
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
