// Which proxy, if any, a request goes through. Configuration overrides the environment;
// the environment follows the curl conventions (http_proxy/HTTP_PROXY for http:// URLs,
// https_proxy/HTTPS_PROXY for https:// URLs, no_proxy/NO_PROXY for exceptions).

import { parseCidr, cidrContains, type Cidr } from "./ip-ranges.js";
import { parseIp } from "./ip-address.js";

export interface ProxySettings {
  /** Proxy for http:// targets, or undefined for direct connections. */
  http?: string;
  /** Proxy for https:// targets. */
  https?: string;
  /** Targets that bypass the proxy. */
  noProxy: NoProxyRule[];
}

export type NoProxyRule = { kind: "all" } | { kind: "name"; name: string; port?: string } | { kind: "cidr"; cidr: Cidr; port?: string };

export interface ProxyConfig {
  /** One proxy URL for all targets; "" disables proxying even when the environment sets one. */
  proxy?: string;
  /** NO_PROXY-style list (comma or space separated); overrides the environment's. */
  noProxy?: string;
  env?: Record<string, string | undefined>;
}

export function proxySettings(config: ProxyConfig): ProxySettings {
  const env = config.env ?? process.env;
  const fromEnv = (lower: string) => nonEmpty(env[lower]) ?? nonEmpty(env[lower.toUpperCase()]);
  const noProxy = parseNoProxy(config.noProxy ?? fromEnv("no_proxy") ?? "");
  if (config.proxy !== undefined) {
    const proxy = nonEmpty(config.proxy);
    if (proxy) checkProxyUrl(proxy);
    return { http: proxy, https: proxy, noProxy };
  }
  const http = fromEnv("http_proxy");
  const https = fromEnv("https_proxy");
  for (const p of [http, https]) if (p) checkProxyUrl(p);
  return { http, https, noProxy };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}

function checkProxyUrl(proxy: string): void {
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw new Error("proxy setting is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`proxy scheme ${url.protocol} is not supported (use http:// or https://)`);
  }
}

export function parseNoProxy(list: string): NoProxyRule[] {
  const rules: NoProxyRule[] = [];
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") {
      rules.push({ kind: "all" });
      continue;
    }
    const { host, port } = splitPort(entry);
    const cidr = parseCidr(host.replace(/^\[|\]$/g, ""));
    if (cidr) rules.push({ kind: "cidr", cidr, port });
    else rules.push({ kind: "name", name: host.replace(/^\*?\./, "").replace(/\.$/, ""), port });
  }
  return rules;
}

function splitPort(entry: string): { host: string; port?: string } {
  const bracketed = /^(\[[^\]]+\])(?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] };
  const colons = entry.split(":").length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(":");
    return { host, port };
  }
  return { host: entry };
}

/** The proxy URL to use for `url`, or undefined to connect directly. */
export function proxyFor(url: URL, settings: ProxySettings): string | undefined {
  const proxy = url.protocol === "https:" ? settings.https : settings.http;
  if (!proxy) return undefined;
  const hostname = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const ip = parseIp(hostname);
  const bypass = settings.noProxy.some((rule) => {
    if (rule.kind === "all") return true;
    if (rule.port && rule.port !== port) return false;
    if (rule.kind === "cidr") return ip !== undefined && cidrContains(rule.cidr, ip);
    return hostname === rule.name || hostname.endsWith(`.${rule.name}`);
  });
  return bypass ? undefined : proxy;
}
