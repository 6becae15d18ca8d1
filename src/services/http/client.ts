// The one outbound HTTP client of the server (docs/writing-modules.md#calling-other-services, issue #5). A request goes:
// URL check → redirect loop (each hop) → retry loop (each attempt) → one undici request
// through a pooled dispatcher whose connector runs the egress guard. Non-2xx statuses
// are returned; only failures without a usable response throw HttpError.

import { readFileSync } from "node:fs";
import { loadUndici, undici } from "./undici-module.js";
import { readCapped } from "./body.js";
import { DispatcherPool } from "./dispatchers.js";
import { createEgressGuard, systemLookup, type DnsLookup, type EgressGuard, type EgressOptions } from "./egress-guard.js";
import { isRetryable, toHttpError, withAttempts } from "./errors.js";
import { proxyFor, proxySettings, type ProxySettings } from "./proxy.js";
import { hostPort, portOf, safeOrigin, scrubMessage, urlSecrets } from "./redact.js";
import { DEFAULT_RETRY, isRetryableStatus, nextDelay, parseRetryAfter, retryByDefault, sleep, type RetryPolicy } from "./retry.js";
import { HttpError, type HttpClient, type HttpMethod, type HttpRequestOptions, type HttpResponse, type ResolvedAddress } from "./types.js";

export interface HttpClientOptions {
  /** Default per-attempt timeout in ms. */
  timeoutMs: number;
  userAgent: string;
  /** Default response body cap in bytes. */
  maxResponseBytes: number;
  /** Proxy URL for all requests; "" = no proxy. Unset: http_proxy/https_proxy from the environment. */
  proxy?: string;
  /** NO_PROXY-style exception list. Unset: no_proxy/NO_PROXY from the environment. */
  noProxy?: string;
  /** PEM file whose CAs are trusted in addition to the public roots (read at start-up). */
  caFile?: string;
  /** PEM text, same meaning as `caFile` (both may be given). */
  ca?: string;
  /** Refuse loopback/private ranges (default false). Same as `egress.denyPrivate`. */
  denyPrivate?: boolean;
  /** Hosts/CIDRs allowed despite `denyPrivate` (see EgressOptions.allow). Merged with `egress.allow`. */
  allow?: string[];
  /** The two settings above, grouped; a value here wins over the flat one. */
  egress?: EgressOptions;
  /** Attempts per request including the first (default 3); 1 disables retries. */
  retryMaxAttempts?: number;
  /** Longest wait between attempts, Retry-After included (default 3000 ms). */
  retryMaxDelayMs?: number;
  /** First back-off without Retry-After, doubled per attempt (default 200 ms). */
  retryBaseDelayMs?: number;
  /**
   * Open connections per origin (default 16). A burst of workflow runs posting to one webhook
   * or chat server queues here instead of opening a socket per request.
   */
  maxConnectionsPerOrigin?: number;
  /** TCP+TLS connect timeout in ms (default: the per-attempt timeout). */
  connectTimeoutMs?: number;
  /** Redirects followed by GET/HEAD when the request does not say (default 3). */
  maxRedirects?: number;
  /** DNS resolver used by the egress guard (default: the system resolver). */
  lookup?: DnsLookup;
  /** Environment to read proxy variables from (default process.env). */
  env?: Record<string, string | undefined>;
}

/** The server-wide client: a HttpClient that can also be shut down. */
export interface ServerHttpClient extends HttpClient {
  resolveAllowed(host: string, port: number): Promise<ResolvedAddress>;
  /** Closes pooled connections (server shutdown, tests). */
  close(): Promise<void>;
  /** Tells `listener` about every call made through this client (metrics); returns the way to stop. */
  watchCalls?(listener: (call: CallRecord) => void): () => void;
}

const DEFAULT_CONNECTIONS_PER_ORIGIN = 16;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Headers that must not follow a redirect to another origin.
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

interface Hop {
  url: URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

export function createHttpClient(options: HttpClientOptions): ServerHttpClient {
  const egress: EgressOptions = {
    denyPrivate: options.egress?.denyPrivate ?? options.denyPrivate ?? false,
    allow: [...(options.allow ?? []), ...(options.egress?.allow ?? [])],
  };
  const guard: EgressGuard = createEgressGuard(egress, options.lookup ?? systemLookup);
  const proxies: ProxySettings = proxySettings({ proxy: options.proxy, noProxy: options.noProxy, env: options.env });
  // Proxy credentials (userinfo of the proxy URL) must never show up in messages either.
  const configSecrets = [proxies.http, proxies.https].flatMap((p) => (p ? urlSecrets(new URL(p)) : []));
  const configuredCa = [options.caFile ? readFileSync(options.caFile, "utf8") : "", options.ca ?? ""].filter(Boolean).join("\n");
  const pool = new DispatcherPool({
    guard,
    ca: configuredCa || undefined,
    connectTimeoutMs: options.connectTimeoutMs ?? options.timeoutMs,
    connectionsPerOrigin: options.maxConnectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
  });
  const retry: RetryPolicy = {
    maxAttempts: Math.max(1, options.retryMaxAttempts ?? DEFAULT_RETRY.maxAttempts),
    maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
  };

  async function request(rawUrl: string, o: HttpRequestOptions = {}): Promise<HttpResponse> {
    const secrets = [...configSecrets, ...(o.secrets ?? [])];
    await loadUndici();
    try {
      const first = prepare(rawUrl, o, options.userAgent);
      secrets.push(...first.secrets);
      const method = first.hop.method;
      const maxRedirects = o.maxRedirects ?? (method === "GET" || method === "HEAD" ? (options.maxRedirects ?? 3) : 0);
      const mayRetry = o.retry ?? retryByDefault(method);
      let hop = first.hop;
      for (let redirects = 0; ; redirects++) {
        const res = await sendWithRetries(hop, o, mayRetry);
        const location = res.headers.location;
        if (!REDIRECT_STATUSES.has(res.status) || location === undefined || maxRedirects === 0) return res;
        if (redirects >= maxRedirects) {
          throw new HttpError("redirect", `too many redirects (more than ${maxRedirects}) from ${safeOrigin(hop.url)}`);
        }
        hop = redirectHop(hop, res.status, location);
        secrets.push(...urlSecrets(hop.url));
      }
    } catch (err) {
      const e = err instanceof HttpError ? err : toHttpError(err, "the server");
      throw new HttpError(e.kind, scrubMessage(e.message, secrets), e.attempts);
    }
  }

  async function sendWithRetries(hop: Hop, o: HttpRequestOptions, mayRetry: boolean): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      let delay: number | undefined;
      try {
        const res = await sendOnce(hop, o);
        if (!mayRetry || !isRetryableStatus(res.status)) return { ...res, attempts: attempt };
        delay = nextDelay(retry, attempt, parseRetryAfter(res.headers["retry-after"]), o.deadline);
        if (delay === undefined) return { ...res, attempts: attempt };
      } catch (err) {
        const e = err instanceof HttpError ? err : toHttpError(err, hostPort(hop.url));
        if (mayRetry && isRetryable(e)) delay = nextDelay(retry, attempt, undefined, o.deadline);
        if (delay === undefined) throw withAttempts(e, attempt);
      }
      try {
        await sleep(delay, o.signal);
      } catch {
        throw new HttpError("aborted", `request aborted (deadline reached) after ${attempt} attempt${attempt > 1 ? "s" : ""}`, attempt);
      }
    }
  }

  async function sendOnce(hop: Hop, o: HttpRequestOptions): Promise<HttpResponse> {
    const timeoutMs = o.timeoutMs ?? options.timeoutMs;
    if (o.signal?.aborted) throw new HttpError("aborted", "request aborted (deadline reached)");
    const proxy = proxyFor(hop.url, proxies);
    const where = proxy ? `${hostPort(hop.url)} via proxy ${hostPort(new URL(proxy))}` : hostPort(hop.url);
    // Through a proxy our connector does not see the target; check what can be checked.
    if (proxy) await guard.checkProxiedTarget(hop.url.hostname, portOf(hop.url));
    const dispatcher = pool.get(proxy, { verify: o.verifyTls ?? true, ca: o.ca });

    // One controller, so we know whether our timeout or the caller's signal fired.
    const controller = new AbortController();
    let stopReason: "timeout" | "aborted" | undefined;
    const timer = setTimeout(() => {
      stopReason = "timeout";
      controller.abort();
    }, timeoutMs);
    const onAbort = () => {
      stopReason ??= "aborted";
      controller.abort();
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await undici().request(hop.url, {
        dispatcher,
        method: hop.method,
        headers: hop.headers,
        body: hop.body,
        signal: controller.signal,
      });
      const { text, truncated } = await readCapped(res.body, o.maxResponseBytes ?? options.maxResponseBytes);
      return makeResponse(res.statusCode, res.statusText ?? "", res.headers, text, truncated, hop.url.href);
    } catch (err) {
      if (stopReason === "timeout") throw new HttpError("timeout", `no response from ${where} within ${timeoutMs} ms`);
      if (stopReason === "aborted") throw new HttpError("aborted", "request aborted (deadline reached)");
      throw toHttpError(err, where);
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    }
  }

  // Process-wide watchers (metrics): all egress passes here, so no call goes uncounted.
  const watchers = new Set<(call: CallRecord) => void>();
  const tellWatchers = (call: CallRecord) => {
    for (const w of watchers) w(call);
  };
  return {
    request: (url, o) => (watchers.size === 0 ? request(url, o) : observed(request(url, o), url, o?.method ?? "GET", tellWatchers)),
    resolveAllowed: (host, port) => guard.resolveAllowed(host, port),
    close: () => pool.close(),
    watchCalls(listener) {
      watchers.add(listener);
      return () => watchers.delete(listener);
    },
  };
}

/** Validates the URL and builds the first hop (method, headers, body). */
function prepare(rawUrl: string, o: HttpRequestOptions, userAgent: string): { hop: Hop; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new HttpError("invalid_url", "invalid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpError("invalid_url", `unsupported URL scheme ${url.protocol} (only http and https)`);
  }
  const secrets = urlSecrets(url);
  const headers: Record<string, string> = { "user-agent": userAgent };
  for (const [name, value] of Object.entries(o.headers ?? {})) headers[name.toLowerCase()] = value;
  // Credentials in the URL become Basic auth; the URL sent on the wire carries none.
  if (url.username || url.password) {
    headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers["content-type"] ??= "application/json";
  }
  const method = o.method ?? "GET";
  return { hop: { url, method, headers, body: method === "GET" || method === "HEAD" ? undefined : body }, secrets };
}

/** The next hop of a redirect: method/body per RFC 9110 §15.4, credentials kept same-origin only. */
function redirectHop(hop: Hop, status: number, location: string): Hop {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new HttpError("redirect", `invalid redirect location from ${safeOrigin(hop.url)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpError("redirect", `redirect from ${safeOrigin(hop.url)} to unsupported scheme ${url.protocol}`);
  }
  const headers = { ...hop.headers };
  if (url.origin !== hop.url.origin) for (const h of CREDENTIAL_HEADERS) delete headers[h];
  const toGet = status === 303 ? hop.method !== "HEAD" : (status === 301 || status === 302) && hop.method === "POST";
  if (toGet) {
    delete headers["content-type"];
    delete headers["content-length"];
    return { url, method: "GET", headers, body: undefined };
  }
  return { ...hop, url, headers };
}

function makeResponse(
  status: number,
  statusText: string,
  rawHeaders: Record<string, string | string[] | undefined>,
  text: string,
  truncated: boolean,
  url: string,
): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawHeaders)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return {
    status,
    statusText,
    headers,
    body: text,
    truncated,
    attempts: 1,
    url,
    json<T>(): T {
      if (truncated) throw new HttpError("too_large", `response body exceeds ${Buffer.byteLength(text)} bytes; not parsed as JSON`);
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new HttpError("parse", "response is not JSON");
      }
    },
  };
}

/** A client whose requests default to the given signal, timeout and deadline (used for ctx.http). */
export function bindHttpClient(
  client: HttpClient,
  defaults: { signal: AbortSignal; timeoutMs?: number; deadline?: number; onCall?: (call: CallRecord) => void },
): HttpClient {
  const onCall = defaults.onCall;
  const bound: HttpClient = {
    request(url, o = {}) {
      const signal = o.signal ? AbortSignal.any([o.signal, defaults.signal]) : defaults.signal;
      const p = client.request(url, { timeoutMs: defaults.timeoutMs, deadline: defaults.deadline, ...o, signal });
      return onCall ? observed(p, url, o.method ?? "GET", onCall) : p;
    },
  };
  if (client.resolveAllowed) {
    const resolve = client.resolveAllowed.bind(client);
    bound.resolveAllowed = (host, port) => resolve(host, port);
  }
  return bound;
}

/** What a per-query observer learns about one call: never the path, query or headers. */
export interface CallRecord {
  method: string;
  host: string;
  status?: number;
  error?: string;
  durationMs: number;
  startedAt: number;
}

function observed(p: Promise<HttpResponse>, url: string, method: string, onCall: (call: CallRecord) => void): Promise<HttpResponse> {
  const startedAt = Date.now();
  const t0 = performance.now();
  let host = "(invalid URL)";
  try {
    host = new URL(url).host;
  } catch {
    /* reported as invalid */
  }
  const report = (r: { status?: number; error?: string }) => {
    try {
      onCall({ method, host, ...r, durationMs: performance.now() - t0, startedAt });
    } catch {
      /* an observer never breaks a request */
    }
  };
  return p.then(
    (res) => {
      report({ status: res.status });
      return res;
    },
    (err: unknown) => {
      report({ error: (err as HttpError)?.kind ?? "error" });
      throw err;
    },
  );
}
