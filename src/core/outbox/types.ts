// The outbox's storage contract: one implementation on the embedded SQLite store, one on Redis
// (BullMQ). Both give at-least-once delivery with a stable job id (docs/delivery.md).

export type JobState = "pending" | "leased" | "delivered" | "dead";

export interface NewJob {
  /** Stable delivery id (`msg_…`), reused on every attempt. */
  id: string;
  module: string;
  /** Key for per-destination limits and metrics (never a secret). */
  destination: string;
  /** The stored request as JSON text: the MISP body with credentials as references or sealed. */
  body: string;
  createdAt: number;
}

export interface OutboxJob extends NewJob {
  state: JobState;
  /** Attempts started so far (the claimed one included). */
  attempts: number;
  nextAt: number;
  lastError?: string;
  finishedAt?: number;
}

/** One attempt, as kept with the job (dead letters keep them all). */
export interface AttemptRecord {
  n: number;
  at: number;
  durationMs: number;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  result: "delivered" | "retry" | "dead";
  /** Why it failed: the error MISP would have seen and the classification. */
  error?: string;
  /** Short, scrubbed excerpt of the last response body. */
  excerpt?: string;
}

export interface ModuleStats {
  module: string;
  pending: number;
  inFlight: number;
  delivered: number;
  dead: number;
  /** Attempts made by jobs still stored. */
  attempts: number;
  oldestPendingAgeMs: number | null;
}

export interface OutboxStats {
  backend: "sqlite" | "redis";
  depth: number;
  dead: number;
  oldestPendingAgeMs: number | null;
  modules: ModuleStats[];
}

export interface JobView extends Omit<OutboxJob, "body"> {
  history: AttemptRecord[];
}

export class OutboxFull extends Error {
  constructor(max: number) {
    super(`the outbox is full (${max} deliveries waiting); not queued`);
    this.name = "OutboxFull";
  }
}

export interface OutboxBackend {
  readonly kind: "sqlite" | "redis";
  /** Durable when it resolves. Throws OutboxFull past the configured bound. */
  enqueue(job: NewJob): Promise<void>;
  /**
   * Takes up to `limit` due jobs whose destination `eligible` accepts, each leased to `owner`
   * for `leaseMs`; jobs whose lease expired (a dead process) are due again.
   */
  claim(limit: number, owner: string, leaseMs: number, eligible: (destination: string) => boolean | Promise<boolean>): Promise<OutboxJob[]>;
  /**
   * Takes a token of the destination's rate limit, shared by every server on this backend
   * (Redis). Absent where one process serves the backend (SQLite): the worker's own buckets do.
   */
  takeRateToken?(destination: string, perMinute: number, burst: number): Promise<boolean>;
  /** Records the attempt and moves the job on: delivered, retry at `nextAt`, or dead. */
  finish(job: OutboxJob, owner: string, attempt: AttemptRecord, nextAt?: number): Promise<void>;
  list(filter: { state?: JobState | "waiting"; limit: number }): Promise<JobView[]>;
  get(id: string): Promise<JobView | undefined>;
  /** Dead letters (by id, or all) become pending again with their attempts reset; returns how many. */
  retry(which: { id: string } | { allDead: true }): Promise<number>;
  /** Removes dead letters (and delivered records with `delivered`); returns how many. */
  purge(which: { dead?: boolean; delivered?: boolean }): Promise<number>;
  stats(now?: number): Promise<OutboxStats>;
  /** Drops old delivered records and dead letters beyond the bound. */
  trim(now?: number): Promise<void>;
  close(): Promise<void>;
}
