import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type BetterSqlite3 from "better-sqlite3";
import { ENV, loadConfig, type ConfigInput } from "../core/config.js";
import { openRedisOutbox } from "../core/outbox/redis-backend.js";
import { SqliteOutbox } from "../core/outbox/sqlite-backend.js";
import type { JobView, OutboxBackend } from "../core/outbox/types.js";
import { exitAfterOutput } from "./exit.js";

// `misp-modules-ts outbox`: the queued deliveries from a terminal (docs/delivery.md). It opens the
// data directory's store itself (SQLite allows a second process next to a running server), so it
// works whether or not the server runs; a retry is picked up by the server's next poll.

const require = createRequire(import.meta.url);

export interface OutboxCliOptions {
  /** The outbox is on this Redis instead of the data directory. */
  redis?: string;
  dataDir?: string;
  config?: string;
}

export interface OutboxIo {
  stdout: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

async function openBackend(
  o: OutboxCliOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ backend: OutboxBackend; close(): Promise<void> | void }> {
  const flags: ConfigInput = o.dataDir ? { console: { dataDir: o.dataDir } } : {};
  if (o.redis) flags.outbox = { backend: "redis", redisUrl: o.redis };
  const config = loadConfig({ file: o.config, env, flags });
  if (config.outbox.backend === "redis") {
    const backend = await openRedisOutbox(config, { warn: () => undefined });
    return { backend, close: () => backend.close() };
  }
  const dir = resolve(config.console.dataDir);
  const path = join(dir, "store.db");
  if (!existsSync(path)) throw new Error(`no store in ${dir} (set --data-dir or ${ENV.dataDir})`);
  const Ctor = require("better-sqlite3") as typeof BetterSqlite3;
  const db = new Ctor(path);
  db.pragma("busy_timeout = 5000");
  const backend = new SqliteOutbox(db, {
    maxJobs: config.outbox.maxJobs,
    maxDead: config.outbox.maxDead,
    keepDeliveredMs: config.outbox.keepDeliveredMs,
  });
  return {
    backend,
    close: () => {
      db.close();
    },
  };
}

function line(j: JobView): string {
  const last = j.history.at(-1);
  const when = new Date(j.state === "pending" ? j.nextAt : (j.finishedAt ?? j.createdAt)).toISOString();
  const label = j.state === "pending" ? `next ${when}` : j.state === "leased" ? "in flight" : `${j.state} ${when}`;
  return [
    j.id,
    j.module,
    j.destination,
    label,
    `${j.attempts} attempt${j.attempts === 1 ? "" : "s"}`,
    last?.status ? `HTTP ${last.status}` : "",
    (j.lastError ?? "").slice(0, 200),
  ]
    .filter(Boolean)
    .join("\t");
}

export async function outboxList(
  o: OutboxCliOptions & { dead?: boolean; all?: boolean; json?: boolean; limit?: string },
  io: OutboxIo,
): Promise<number> {
  const { backend, close } = await openBackend(o, io.env ?? process.env);
  try {
    const limit = Number(o.limit ?? 50);
    const jobs = await backend.list({
      state: o.dead ? "dead" : o.all ? undefined : "waiting",
      limit: Number.isInteger(limit) && limit > 0 ? limit : 50,
    });
    if (o.json) {
      io.stdout.write(`${JSON.stringify({ stats: await backend.stats(), jobs }, null, 2)}\n`);
      return 0;
    }
    const s = await backend.stats();
    io.stdout.write(
      `waiting ${s.depth}, dead ${s.dead}${s.oldestPendingAgeMs !== null ? `, oldest waiting ${Math.round(s.oldestPendingAgeMs / 1000)} s` : ""}\n`,
    );
    if (jobs.length === 0) io.stdout.write(o.dead ? "no dead letters\n" : "nothing waiting\n");
    for (const j of jobs) {
      io.stdout.write(`${line(j)}\n`);
      if (o.dead)
        for (const a of j.history)
          io.stdout.write(
            `  #${a.n} ${new Date(a.at).toISOString()} ${Math.round(a.durationMs)} ms ${a.status ? `HTTP ${a.status} ` : ""}${a.result}${a.error ? `: ${a.error.slice(0, 200)}` : ""}${a.excerpt ? ` | ${a.excerpt}` : ""}\n`,
          );
    }
    return 0;
  } finally {
    await close();
  }
}

export async function outboxRetry(id: string | undefined, o: OutboxCliOptions & { allDead?: boolean }, io: OutboxIo): Promise<number> {
  if (!id && !o.allDead) throw new Error("give a job id or --all-dead");
  const { backend, close } = await openBackend(o, io.env ?? process.env);
  try {
    const n = await backend.retry(id ? { id } : { allDead: true });
    if (id && n === 0) throw new Error(`no dead letter ${id}`);
    io.stdout.write(`${n} dead letter${n === 1 ? "" : "s"} queued again\n`);
    return 0;
  } finally {
    await close();
  }
}

export async function outboxPurge(o: OutboxCliOptions & { delivered?: boolean }, io: OutboxIo): Promise<number> {
  const { backend, close } = await openBackend(o, io.env ?? process.env);
  try {
    const n = await backend.purge({ dead: true, delivered: o.delivered });
    io.stdout.write(`${n} record${n === 1 ? "" : "s"} removed\n`);
    return 0;
  } finally {
    await close();
  }
}

export function registerOutboxCommand(program: Command): void {
  const io: OutboxIo = { stdout: process.stdout };
  const finish = (p: Promise<number>) =>
    p.then(
      (code) => exitAfterOutput(code),
      (e: Error) => {
        process.stderr.write(`misp-modules-ts: ${e.message}\n`);
        process.exit(1);
      },
    );
  const common = (c: Command) =>
    c
      .option("--data-dir <dir>", `the server's data directory (default ./data) [${ENV.dataDir}]`)
      .option("--redis <url>", `the outbox is on this Redis [${ENV.redisUrl}]`)
      .option("--config <file>", `the server's configuration file [${ENV.config}]`);
  const outbox = common(
    program
      .command("outbox")
      .description("Queued deliveries: waiting jobs, dead letters (--dead), retry and purge")
      .option("--dead", "dead letters with every attempt")
      .option("--all", "every stored job (delivered ones too)")
      .option("--limit <n>", "how many (default 50)")
      .option("--json", "print JSON"),
  ).action((o: OutboxCliOptions & { dead?: boolean; all?: boolean; json?: boolean; limit?: string }) => finish(outboxList(o, io)));
  common(
    outbox
      .command("retry")
      .description("Queue dead letters again (after fixing the configuration)")
      .argument("[id]", "a job id (msg_…)")
      .option("--all-dead", "every dead letter"),
  ).action((id: string | undefined, o: OutboxCliOptions & { allDead?: boolean }) => finish(outboxRetry(id, o, io)));
  common(outbox.command("purge").description("Remove dead letters").option("--delivered", "also the records of delivered jobs")).action(
    (o: OutboxCliOptions & { delivered?: boolean }) => finish(outboxPurge(o, io)),
  );
}
