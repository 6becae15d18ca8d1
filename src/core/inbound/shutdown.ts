import type { FastifyInstance } from "fastify";
import { errorText } from "../protocol/errors.js";

// Graceful shutdown (docs/security.md, "Shutdown"): MISP counts a reset connection as success,
// so a restart must not drop queries in flight. On SIGTERM the listener closes at once, queries
// already running may finish up to the grace period (by default the query deadline, so none is
// cut short), and those still running then are answered with a 200 `error` reply before the
// remaining connections are closed.

/** Queries being answered now; each can be told to give up with a reason. */
export class InflightQueries {
  private readonly running = new Set<AbortController>();

  /** A signal that fires when the query must give up; call the returned `done` when answered. */
  start(): { signal: AbortSignal; done: () => void } {
    const c = new AbortController();
    this.running.add(c);
    return { signal: c.signal, done: () => this.running.delete(c) };
  }

  get size(): number {
    return this.running.size;
  }

  cutAll(reason: string): number {
    const n = this.running.size;
    for (const c of this.running) c.abort(new Error(reason));
    this.running.clear();
    return n;
  }
}

const inflightOf = new WeakMap<FastifyInstance, InflightQueries>();

export function registerInflight(app: FastifyInstance, q: InflightQueries): void {
  inflightOf.set(app, q);
}

/** Time given to cut queries' error replies to reach their clients before connections are closed. */
const FLUSH_MS = 1000;

/**
 * Stops accepting connections now, lets running queries finish within `graceMs`, answers the
 * rest with an error reply, then closes what is left (stalled uploads, idle keep-alives).
 */
export async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<void> {
  const inflight = inflightOf.get(app);
  const server = app.server;
  // Keep-alive connections become idle as their replies go out; close them as they do.
  const reap = setInterval(() => server.closeIdleConnections(), 100);
  reap.unref();
  let force: NodeJS.Timeout | undefined;
  const cut = setTimeout(() => {
    const n = inflight?.cutAll(errorText("SHUTDOWN", graceMs)) ?? 0;
    if (n > 0) app.log.warn({ queries: n, graceMs }, "shutdown grace over: answering the queries still running with an error");
    force = setTimeout(() => server.closeAllConnections(), n > 0 ? FLUSH_MS : 0);
    force.unref();
  }, graceMs);
  cut.unref();
  try {
    await app.close();
  } finally {
    clearInterval(reap);
    clearTimeout(cut);
    clearTimeout(force);
  }
}
