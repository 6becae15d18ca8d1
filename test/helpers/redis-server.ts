import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { freePort } from "./child-server.js";

// A real redis-server (Debian's package) on a free loopback port, no persistence. Where it is
// missing, tests skip with a notice, unless REQUIRE_REDIS=1 (CI), which makes that a failure.

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? "/usr/bin/redis-server";
export const haveRedis = existsSync(REDIS_SERVER);

export function redisNotice(what: string): void {
  if (haveRedis) return;
  if (process.env.REQUIRE_REDIS === "1")
    throw new Error(`REQUIRE_REDIS=1 but no redis-server at ${REDIS_SERVER} (apt-get install -y redis-server)`);
  process.stderr.write(`notice: ${REDIS_SERVER} not found; ${what} skipped (set REQUIRE_REDIS=1 to fail instead)\n`);
}

export interface RedisServer {
  url: string;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // Refused connections while the server starts are expected; they are retried below.
  client.on("error", () => undefined);
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      client.disconnect();
      if (child.exitCode !== null || Date.now() > until) throw new Error("redis-server did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    flush: async () => {
      await client.flushall();
    },
    stop: async () => {
      client.disconnect();
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      }
    },
  };
}
