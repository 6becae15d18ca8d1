// The outbound HTTP contract every module uses (through ctx.http). One implementation
// (src/services/http/client.ts) provides timeouts, TLS options, proxying, the egress guard,
// retries and capped bodies, so modules only describe the request.

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequestOptions {
  method?: HttpMethod;
  headers?: Record<string, string>;
  /** Raw body. Mutually exclusive with `json`. */
  body?: string | Uint8Array;
  /** Serialised with JSON.stringify; sets `Content-Type: application/json` unless given. */
  json?: unknown;
  /** Per-attempt timeout; default from server config (8 s). */
  timeoutMs?: number;
  /** Aborts the request (ctx.http binds the request deadline here by default). */
  signal?: AbortSignal;
  /** Certificate verification; default true. */
  verifyTls?: boolean;
  /** PEM CA bundle added to the trusted roots for this request. */
  ca?: string;
  /** Whether the request may be sent again on 429/503/connection errors. Default: true for GET/HEAD/PUT/DELETE, false otherwise. */
  retry?: boolean;
  /** Redirects to follow; default 3 for GET/HEAD, 0 otherwise (a 3xx is then returned as is). */
  maxRedirects?: number;
  /** Response body cap; the body is cut there and `truncated` set. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Extra values to scrub from error messages (tokens that are part of the URL, etc.). */
  secrets?: string[];
  /**
   * Absolute time (ms since the epoch, as Date.now()) by which the whole call must be
   * over; a retry is only attempted when its wait still fits. ctx.http binds the
   * request deadline here; without it a retry waits at most the configured ceiling.
   */
  deadline?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  /** How many attempts were made (retries included). */
  attempts: number;
  /** Final URL after redirects. */
  url: string;
  /** Parses `body` as JSON; throws HttpError kind "parse" when it is not JSON. */
  json<T = unknown>(): T;
}

/** Whether an HTTP status is a success (2xx): the check every module that reads a vendor's reply makes. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

export type HttpErrorKind = "timeout" | "aborted" | "network" | "egress" | "tls" | "redirect" | "too_large" | "parse" | "invalid_url";

/** Thrown for failures where no HTTP response could be obtained (non-2xx statuses are returned, not thrown). */
export class HttpError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** An address the egress guard has checked; connect to exactly this one. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** True for an HttpError from any copy of this file (custom modules may load their own). */
export function isHttpError(e: unknown): e is HttpError {
  return e instanceof HttpError || (e instanceof Error && e.name === "HttpError" && typeof (e as HttpError).kind === "string");
}

export interface HttpClient {
  request(url: string, options?: HttpRequestOptions): Promise<HttpResponse>;
  /**
   * Resolves `host` and checks it with the server's egress policy, for modules that open
   * their own sockets (SMTP): connect to the returned address, keep `host` for TLS
   * SNI/certificate checks. Throws HttpError kind "egress" (refused), "network" (cannot
   * resolve) or "invalid_url" (not a host). Optional so test doubles need not provide it.
   */
  resolveAllowed?(host: string, port: number): Promise<ResolvedAddress>;
}
