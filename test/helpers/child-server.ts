import type { ChildProcess } from "node:child_process";
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
