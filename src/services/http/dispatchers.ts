// One undici dispatcher (connection pool) per distinct way of connecting: direct or via
// a given proxy, TLS verification on or off, extra CA or not. Requests with the same
// settings share pooled keep-alive connections; settings never leak between pools.

import { createHash } from "node:crypto";
import { rootCertificates } from "node:tls";
import type { Dispatcher } from "undici";
import { undici } from "./undici-module.js";
import type { EgressGuard } from "./egress-guard.js";
import { guardedConnector } from "./guarded-connector.js";

export interface TlsSettings {
  verify: boolean;
  /** Extra PEM CA bundle for this request (added to the trusted roots). */
  ca?: string;
}

export interface DispatcherPoolOptions {
  guard: EgressGuard;
  /** PEM CA bundle from configuration, added to the trusted roots of every request. */
  ca?: string;
  connectTimeoutMs: number;
  /** Open connections per origin and pool; further requests wait for one (undici queues them). */
  connectionsPerOrigin: number;
}

// Pools are cheap but each holds sockets; few distinct TLS settings exist in practice.
const MAX_POOLS = 32;

export class DispatcherPool {
  private readonly pools = new Map<string, Dispatcher>();

  constructor(private readonly options: DispatcherPoolOptions) {}

  get(proxy: string | undefined, tls: TlsSettings): Dispatcher {
    const key = [proxy ?? "direct", tls.verify ? "verify" : "no-verify", tls.ca ? sha256(tls.ca) : ""].join("\n");
    const existing = this.pools.get(key);
    if (existing) return existing;
    const created = proxy ? this.proxyAgent(proxy, tls) : this.directAgent(tls);
    if (this.pools.size >= MAX_POOLS) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, Dispatcher];
      this.pools.delete(oldestKey);
      void oldest.close().catch(() => undefined);
    }
    this.pools.set(key, created);
    return created;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }

  private tlsOptions(tls: TlsSettings) {
    return tlsConnectOptions(tls, this.options.ca, this.options.connectTimeoutMs);
  }

  private directAgent(tls: TlsSettings): Dispatcher {
    return new (undici().Agent)({
      connections: this.options.connectionsPerOrigin,
      connect: guardedConnector(this.options.guard, this.tlsOptions(tls)),
    });
  }

  private proxyAgent(proxy: string, tls: TlsSettings): Dispatcher {
    return new (undici().ProxyAgent)({
      uri: proxy,
      connections: this.options.connectionsPerOrigin,
      // http:// targets are sent to the proxy as plain absolute-form requests: many
      // proxies (Squid's default configuration) only allow CONNECT to port 443.
      proxyTunnel: false,
      requestTls: this.tlsOptions(tls),
      // The proxy itself is always verified; only the configured CA is added.
      proxyTls: this.tlsOptions({ verify: true }),
    });
  }
}

/** Connect options for one TLS setting: verification flag, CAs (public roots kept), timeout. */
export function tlsConnectOptions(tls: TlsSettings, configuredCa: string | undefined, timeout: number) {
  const extra = [configuredCa, tls.ca].filter((c): c is string => Boolean(c));
  return {
    rejectUnauthorized: tls.verify,
    // Passing `ca` replaces Node's default roots, so the public roots are listed too.
    ...(extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {}),
    timeout,
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
