import type { CallRecord } from "../../services/http/client.js";
import type { LoadedModule } from "../registry/registry.js";

// A generic hook for whatever wants to watch /query traffic (a journal, metrics). The runtime
// calls it; it never knows who listens. Implementations must be cheap and must not throw.

/** One outbound HTTP call a module made through ctx.http (host only, never path, query or headers). */
export type OutboundCall = CallRecord;

export interface QueryEnd {
  /** The reply object (for an isolated module a getter that parses `json`: read it only when small). */
  readonly reply: Record<string, unknown>;
  /** The reply as sent. */
  json: string;
  outcome: string;
  durationMs: number;
  /** Secret values met while serving the request (resolved references, settings). */
  secretValues: readonly string[];
}

export interface QueryObservation {
  /** Told about each outbound call; leave it out when calls do not matter (nothing is then wired per query). */
  outbound?(call: OutboundCall): void;
  end(result: QueryEnd): void;
}

export interface QueryStart {
  body: Record<string, unknown>;
  module: LoadedModule | undefined;
  reqId?: string;
  headers?: Record<string, string | string[] | undefined>;
  /**
   * The body as received, when the server kept it (lets an observer skip re-serialising). The
   * server does not read a Buffer body after end(): an observer may take its memory then.
   */
  rawBody?: string | Buffer;
  startedAt: number;
}

export interface QueryObserver {
  /** Returns undefined when this query is not watched. */
  begin(start: QueryStart): QueryObservation | undefined;
}
