import { request as undiciRequest } from "undici";
import { HttpError, type HttpClient, type HttpRequestOptions, type HttpResponse } from "./types.js";

// Minimal first implementation (timeouts, abort, capped body). The egress guard, proxy,
// TLS options, retries and redirects are layered on by the HTTP-layer work (issue #5).

export interface HttpClientOptions {
  /** Default per-attempt timeout in ms. */
  timeoutMs: number;
  userAgent: string;
  maxResponseBytes: number;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  return {
    async request(url: string, o: HttpRequestOptions = {}): Promise<HttpResponse> {
      const headers: Record<string, string> = { "user-agent": options.userAgent, ...lower(o.headers ?? {}) };
      let body = o.body;
      if (o.json !== undefined) {
        body = JSON.stringify(o.json);
        headers["content-type"] ??= "application/json";
      }
      const timeout = AbortSignal.timeout(o.timeoutMs ?? options.timeoutMs);
      const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
      try {
        const res = await undiciRequest(url, { method: o.method ?? "GET", headers, body, signal });
        const cap = o.maxResponseBytes ?? options.maxResponseBytes;
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        for await (const chunk of res.body) {
          const c = chunk as Buffer;
          if (size + c.length > cap) {
            chunks.push(c.subarray(0, cap - size));
            truncated = true;
            res.body.destroy();
            break;
          }
          chunks.push(c);
          size += c.length;
        }
        const text = Buffer.concat(chunks).toString("utf8");
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
        return {
          status: res.statusCode,
          statusText: "",
          headers: flat,
          body: text,
          truncated,
          attempts: 1,
          url,
          json<T>() {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new HttpError("parse", "response is not JSON");
            }
          },
        };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        if (timeout.aborted) throw new HttpError("timeout", `no response within ${o.timeoutMs ?? options.timeoutMs} ms`);
        if (o.signal?.aborted) throw new HttpError("aborted", "request aborted (deadline reached)");
        throw new HttpError("network", (err as Error).message);
      }
    },
  };
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** A client whose requests default to the given signal and timeout (used for ctx.http). */
export function bindHttpClient(client: HttpClient, defaults: { signal: AbortSignal; timeoutMs?: number }): HttpClient {
  return {
    request(url, o = {}) {
      const signal = o.signal ? AbortSignal.any([o.signal, defaults.signal]) : defaults.signal;
      return client.request(url, { timeoutMs: defaults.timeoutMs, ...o, signal });
    },
  };
}
