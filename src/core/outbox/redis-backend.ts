import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Config } from "../config.js";
import { SharedRateLimits } from "./shared-rate.js";
import {
  OutboxFull,
  type AttemptRecord,
  type JobState,
  type JobView,
  type NewJob,
  type OutboxBackend,
  type OutboxJob,
  type OutboxStats,
} from "./types.js";

// The outbox on Redis through BullMQ (docs/delivery.md, "Several servers"): every server on the
// same Redis shares one queue and one set of dead letters. Jobs are fetched by hand
// (Worker.getNextJob) so that the same worker loop, limits and classification as on SQLite apply;
// BullMQ's lock is the lease, and its stalled-job check hands the jobs of a dead process to the
// others. The job id is the delivery id, so a job is never added twice.

const QUEUE = "misp-modules-ts-outbox";
/** Jobs read at most to compute per-module metrics. */
const STATS_SCAN = 2000;

interface JobData {
  module: string;
  destination: string;
  body: string;
  createdAt: number;
  attempts: number;
  history: AttemptRecord[];
  lastError?: string;
}

type BullJob = Job<JobData>;

function stateOf(bullState: string): JobState {
  if (bullState === "active") return "leased";
  if (bullState === "completed") return "delivered";
  if (bullState === "failed") return "dead";
  return "pending";
}

async function view(job: BullJob, known?: string): Promise<JobView> {
  const d = job.data;
  const state = stateOf(known ?? (await job.getState()));
  return {
    id: String(job.id),
    module: d.module,
    destination: d.destination,
    createdAt: d.createdAt,
    state,
    attempts: d.attempts,
    nextAt: job.timestamp + (job.delay ?? 0),
    history: d.history ?? [],
    ...(d.lastError ? { lastError: d.lastError } : {}),
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
  };
}

export class RedisOutbox implements OutboxBackend {
  readonly kind = "redis" as const;
  private readonly leased = new Map<string, { job: BullJob; token: string }>();
  private seq = 0;
  private readonly rates: SharedRateLimits;

  constructor(
    private readonly queue: Queue<JobData>,
    private readonly worker: Worker<JobData>,
    private readonly connections: Redis[],
    private readonly o: { maxJobs: number; maxDead: number; keepDeliveredMs: number },
  ) {
    // The queue's connection: its commands never block.
    this.rates = new SharedRateLimits(connections[0]!);
  }

  async enqueue(job: NewJob): Promise<void> {
    const c = await this.queue.getJobCounts("wait", "active", "delayed", "prioritized", "paused");
    const waiting = Object.values(c).reduce((s, n) => s + n, 0);
    if (waiting >= this.o.maxJobs) throw new OutboxFull(this.o.maxJobs);
    await this.queue.add(
      "delivery",
      { module: job.module, destination: job.destination, body: job.body, createdAt: job.createdAt, attempts: 0, history: [] },
      {
        jobId: job.id,
        removeOnComplete: { age: Math.max(1, Math.round(this.o.keepDeliveredMs / 1000)) },
        removeOnFail: { count: this.o.maxDead },
      },
    );
  }

  async claim(
    limit: number,
    owner: string,
    _leaseMs: number,
    eligible: (destination: string) => boolean | Promise<boolean>,
  ): Promise<OutboxJob[]> {
    const out: OutboxJob[] = [];
    // A job held back by its destination's limit goes back to the delayed set for a moment.
    for (let fetched = 0; out.length < limit && fetched < limit * 4; fetched++) {
      const token = `${owner}:${++this.seq}`;
      const job = (await this.worker.getNextJob(token, { block: false })) as BullJob | undefined;
      if (!job) break;
      if (!(await eligible(job.data.destination))) {
        await job.moveToDelayed(Date.now() + 200, token);
        continue;
      }
      const data = { ...job.data, attempts: job.data.attempts + 1 };
      await job.updateData(data);
      this.leased.set(String(job.id), { job, token });
      out.push({
        id: String(job.id),
        module: data.module,
        destination: data.destination,
        body: data.body,
        createdAt: data.createdAt,
        state: "leased",
        attempts: data.attempts,
        nextAt: Date.now(),
      });
    }
    return out;
  }

  takeRateToken(destination: string, perMinute: number, burst: number): Promise<boolean> {
    return this.rates.take(destination, perMinute, burst);
  }

  async finish(job: OutboxJob, _owner: string, attempt: AttemptRecord, nextAt?: number): Promise<void> {
    const held = this.leased.get(job.id);
    this.leased.delete(job.id);
    if (!held) return;
    const { job: bull, token } = held;
    const history = [...(bull.data.history ?? []), { ...attempt, n: (bull.data.history?.length ?? 0) + 1 }];
    await bull.updateData({
      ...bull.data,
      attempts: job.attempts,
      history,
      lastError: attempt.result === "delivered" ? undefined : attempt.error,
    });
    if (attempt.result === "delivered") await bull.moveToCompleted("delivered", token, false);
    else if (attempt.result === "retry" && nextAt !== undefined) await bull.moveToDelayed(nextAt, token);
    else await bull.moveToFailed(new Error(attempt.error ?? "failed"), token, false);
  }

  async list(filter: { state?: JobState | "waiting"; limit: number }): Promise<JobView[]> {
    const types =
      filter.state === "dead"
        ? (["failed"] as const)
        : filter.state === "delivered"
          ? (["completed"] as const)
          : filter.state === "waiting" || filter.state === "pending" || filter.state === "leased"
            ? (["wait", "active", "delayed", "prioritized"] as const)
            : (["wait", "active", "delayed", "prioritized", "failed", "completed"] as const);
    const jobs = (await this.queue.getJobs([...types], 0, filter.limit - 1)) as BullJob[];
    return Promise.all(
      jobs.filter(Boolean).map((j) => view(j, filter.state === "dead" ? "failed" : filter.state === "delivered" ? "completed" : undefined)),
    );
  }

  async get(id: string): Promise<JobView | undefined> {
    const job = (await this.queue.getJob(id)) as BullJob | undefined;
    return job ? view(job) : undefined;
  }

  async retry(which: { id: string } | { allDead: true }): Promise<number> {
    const jobs =
      "id" in which
        ? [(await this.queue.getJob(which.id)) as BullJob | undefined]
        : ((await this.queue.getJobs(["failed"], 0, -1)) as BullJob[]);
    let n = 0;
    for (const job of jobs) {
      if (!job || (await job.getState()) !== "failed") continue;
      // A fresh attempt budget and age; the history and the id stay.
      await job.updateData({ ...job.data, attempts: 0, createdAt: Date.now() });
      await job.retry("failed");
      n++;
    }
    return n;
  }

  async purge(which: { dead?: boolean; delivered?: boolean }): Promise<number> {
    let n = 0;
    if (which.dead) n += (await this.queue.clean(0, 0, "failed")).length;
    if (which.delivered) n += (await this.queue.clean(0, 0, "completed")).length;
    return n;
  }

  async stats(now = Date.now()): Promise<OutboxStats> {
    const byModule = new Map<string, OutboxStats["modules"][number]>();
    for (const [types, state] of [
      [["wait", "delayed", "prioritized"], "pending"],
      [["active"], "leased"],
      [["failed"], "dead"],
      [["completed"], "delivered"],
    ] as const) {
      const jobs = (await this.queue.getJobs([...types], 0, STATS_SCAN - 1)) as BullJob[];
      for (const j of jobs) {
        if (!j) continue;
        const m = byModule.get(j.data.module) ?? {
          module: j.data.module,
          pending: 0,
          inFlight: 0,
          delivered: 0,
          dead: 0,
          attempts: 0,
          oldestPendingAgeMs: null,
        };
        if (state === "pending") m.pending++;
        else if (state === "leased") m.inFlight++;
        else if (state === "dead") m.dead++;
        else m.delivered++;
        m.attempts += j.data.attempts ?? 0;
        if (state === "pending" || state === "leased") m.oldestPendingAgeMs = Math.max(m.oldestPendingAgeMs ?? 0, now - j.data.createdAt);
        byModule.set(j.data.module, m);
      }
    }
    const modules = [...byModule.values()].sort((a, b) => a.module.localeCompare(b.module));
    const ages = modules.map((m) => m.oldestPendingAgeMs).filter((a): a is number => a !== null);
    return {
      backend: "redis",
      depth: modules.reduce((s, m) => s + m.pending + m.inFlight, 0),
      dead: modules.reduce((s, m) => s + m.dead, 0),
      oldestPendingAgeMs: ages.length ? Math.max(...ages) : null,
      modules,
    };
  }

  async trim(): Promise<void> {
    /* BullMQ's removeOnComplete / removeOnFail bound what is kept */
  }

  async close(): Promise<void> {
    await this.worker.close(true).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}

/** Connects to Redis (outbox.redisUrl) and opens the shared queue. */
export async function openRedisOutbox(config: Config, log: { warn(o: object, m: string): void }): Promise<OutboxBackend> {
  const url = config.outbox.redisUrl;
  if (!url) throw new Error("outbox.backend is redis but no Redis URL is set (--redis or MISP_MODULES_REDIS_URL)");
  // BullMQ's blocking commands need maxRetriesPerRequest null; a bad URL fails the first command.
  const make = () => new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, enableOfflineQueue: true });
  const qConn = make();
  const wConn = make();
  try {
    for (const c of [qConn, wConn]) {
      c.on("error", (e: Error) => log.warn({ err: e.message }, "outbox redis connection error"));
      await c.connect();
    }
  } catch (e) {
    // The next queued request tries again with new connections; these must not linger.
    qConn.disconnect();
    wConn.disconnect();
    throw new Error(`cannot reach Redis for the outbox: ${(e as Error).message}`);
  }
  const queue = new Queue<JobData>(QUEUE, { connection: qConn });
  const worker = new Worker<JobData>(QUEUE, null, {
    connection: wConn,
    autorun: false,
    lockDuration: config.outbox.leaseMs,
    stalledInterval: Math.max(1000, Math.round(config.outbox.leaseMs / 2)),
    // A job of a process that died is handed on however often that happens (at-least-once).
    maxStalledCount: 1_000_000,
  });
  // Manual fetching: the stalled-job check (lease expiry) must be started by hand.
  void worker.startStalledCheckTimer().catch((e: unknown) => log.warn({ err: (e as Error).message }, "outbox stalled-job check stopped"));
  return new RedisOutbox(queue, worker, [qConn, wConn], {
    maxJobs: config.outbox.maxJobs,
    maxDead: config.outbox.maxDead,
    keepDeliveredMs: config.outbox.keepDeliveredMs,
  });
}
