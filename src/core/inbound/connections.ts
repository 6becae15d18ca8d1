import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Socket } from "node:net";

// A cap on open connections, well below the file-descriptor limit: past that limit accept()
// fails, and so does everything else that needs a descriptor (module files, outbound calls,
// /healthcheck). At the cap, idle keep-alive connections are closed and the upload that has
// been silent longest is cut to make room; only when neither frees a slot is the new
// connection refused, with a warning in the log.

/** The soft limit on open files (`ulimit -n`), or undefined when it cannot be read. */
export function fdLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!line || line[1] === "unlimited") return undefined;
    const n = Number(line[1]);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined; // not Linux
  }
}

/** Descriptors kept for everything but inbound connections (files, outbound HTTP, SMTP, DNS, workers). */
const FD_RESERVE = 64;
const MAX_DEFAULT = 10_000;

/** Three quarters of the fd limit less a reserve, between 16 and 10,000 (1,024 → 704). */
export function defaultMaxConnections(limit = fdLimit()): number {
  if (limit === undefined) return 704;
  return Math.max(16, Math.min(MAX_DEFAULT, Math.floor(limit * 0.75) - FD_RESERVE));
}

export interface ConnectionCap {
  readonly max: number;
  /** Connections open now. */
  readonly open: number;
  /** Connections refused since start. */
  readonly refused: number;
}

/**
 * Enforces `max` on `server`. `evictStalled` cuts the longest-silent unfinished upload and
 * says whether it found one.
 */
export function capConnections(
  server: Server,
  max: number,
  log: { warn(obj: object, msg: string): void },
  evictStalled: () => boolean,
): ConnectionCap {
  const sockets = new Set<Socket>();
  let refused = 0;
  let lastWarn = 0;
  let suppressed = 0;
  // Sockets destroyed a moment ago still count until their "close" event; at the cap only the
  // live ones are counted.
  const live = () => {
    let n = 0;
    for (const s of sockets) if (!s.destroyed) n++;
    return n;
  };
  // Runs before the HTTP layer's own listener, which then sees a destroyed socket and drops it.
  server.prependListener("connection", (socket: Socket) => {
    if (sockets.size >= max && live() >= max) {
      server.closeIdleConnections();
      if (live() >= max && !evictStalled()) {
        refused++;
        socket.destroy();
        const now = Date.now();
        if (now - lastWarn >= 5000) {
          log.warn(
            { maxConnections: max, open: sockets.size, fdLimit: fdLimit(), refused: suppressed + 1 },
            "connection limit reached: new connections are refused (server.maxConnections)",
          );
          lastWarn = now;
          suppressed = 0;
        } else suppressed++;
        return;
      }
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    max,
    get open() {
      return sockets.size;
    },
    get refused() {
      return refused;
    },
  };
}
