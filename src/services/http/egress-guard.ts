// The egress guard: decides whether the server may open a connection to a host, and
// returns the checked addresses so the caller connects to exactly those (no second DNS
// lookup, hence no DNS-rebinding window between check and connect).
//
// Policy: the always-denied ranges of ip-ranges.ts are refused whatever the settings;
// loopback/private ranges are allowed unless `denyPrivate` is set, in which case only
// allow-listed hosts or CIDRs may use them. If any address a name resolves to is
// refused, the whole name is refused (a mixed answer is a classic rebinding trick).

import { lookup as dnsLookup } from "node:dns/promises";
import { domainToASCII } from "node:url";
import { endsInNumber, parseIp, type ParsedIp } from "./ip-address.js";
import { cidrContains, classifyAddress, parseCidr, type Cidr } from "./ip-ranges.js";
import { markRetryable } from "./errors.js";
import { HttpError, type ResolvedAddress } from "./types.js";

export interface EgressOptions {
  /** Refuse loopback and private ranges too (default false: they are allowed). */
  denyPrivate?: boolean;
  /**
   * Exceptions to `denyPrivate`: host names ("siem.corp", "*.corp.example" or
   * ".corp.example" for sub-domains) and addresses or CIDRs ("10.1.0.0/16", "fd12::/16").
   * They never open the always-denied ranges (link-local, metadata, multicast...).
   */
  allow?: string[];
}

/** Resolves a name to all its addresses (injectable so tests can fake DNS answers). */
export type DnsLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export const systemLookup: DnsLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface EgressGuard {
  /** Resolves `host` (name or IP literal in any spelling) and checks every address; all returned addresses are allowed. */
  resolveAll(host: string, port: number): Promise<ResolvedAddress[]>;
  /** The first allowed address of `host`, for modules that open their own sockets (SMTP). */
  resolveAllowed(host: string, port: number): Promise<ResolvedAddress>;
  /**
   * Check used when a proxy makes the connection and resolves the name itself: IP
   * literals are checked; names are resolved locally when possible and refused if any
   * answer is refused; a name that does not resolve locally is left to the proxy.
   */
  checkProxiedTarget(host: string, port: number): Promise<void>;
}

type NormalisedHost = { kind: "ip"; ip: ParsedIp; name: string } | { kind: "name"; name: string };

/** Canonical form of a host: an IP literal (any WHATWG spelling) or a lower-case ASCII name. */
export function normaliseHost(host: string): NormalisedHost {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.includes(":")) {
    const ip = parseIp(bare);
    if (!ip) throw new HttpError("invalid_url", `invalid host "${host}"`);
    return { kind: "ip", ip, name: ip.address };
  }
  // domainToASCII applies the WHATWG host parser: IDNA mapping (full-width digits...),
  // lower-casing and IPv4 number normalisation; "" means the host is not valid. It parses
  // a whole URL authority, so URL delimiters must be refused first ("a/b" would give "a").
  if (/[/?#\\@%\s]/.test(bare)) throw new HttpError("invalid_url", `invalid host "${host}"`);
  const ascii = domainToASCII(bare);
  if (!ascii || !/^[a-z0-9_.-]+$/.test(ascii) || ascii.length > 254) {
    throw new HttpError("invalid_url", `invalid host "${host}"`);
  }
  if (endsInNumber(ascii)) {
    const ip = parseIp(ascii);
    if (!ip) throw new HttpError("invalid_url", `invalid host "${host}"`);
    return { kind: "ip", ip, name: ip.address };
  }
  return { kind: "name", name: ascii.replace(/\.$/, "") };
}

function hostLabel(ip: ParsedIp): string {
  return ip.family === 6 ? `[${ip.address}]` : ip.address;
}

interface AllowList {
  names: string[];
  suffixes: string[];
  cidrs: Cidr[];
}

function parseAllowList(entries: readonly string[]): AllowList {
  const list: AllowList = { names: [], suffixes: [], cidrs: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const cidr = parseCidr(entry);
    if (cidr) list.cidrs.push(cidr);
    else if (entry.startsWith("*.")) list.suffixes.push(entry.slice(1));
    else if (entry.startsWith(".")) list.suffixes.push(entry);
    else if (/^[a-z0-9_.-]+$/.test(entry)) list.names.push(entry.replace(/\.$/, ""));
    else throw new Error(`egress allow-list entry "${raw}" is neither a host name nor an address/CIDR`);
  }
  return list;
}

// Hosts that reach the Internet only through a proxy often have no working DNS, and a
// failing lookup can take seconds; the local check of a proxied name waits this long.
const PROXIED_LOOKUP_MS = 1000;

/** The promise's value, or undefined when it takes longer than `ms`. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export function createEgressGuard(options: EgressOptions = {}, lookup: DnsLookup = systemLookup): EgressGuard {
  const denyPrivate = options.denyPrivate ?? false;
  const allow = parseAllowList(options.allow ?? []);

  const nameAllowed = (name: string) =>
    allow.names.includes(name) || allow.suffixes.some((s) => name.endsWith(s) && name.length > s.length);
  const addressAllowed = (ip: ParsedIp) => allow.cidrs.some((c) => cidrContains(c, ip));

  /** Throws HttpError "egress" when `ip` may not be contacted for `host`. */
  function check(ip: ParsedIp, host: NormalisedHost, port: number): void {
    const { category, label } = classifyAddress(ip);
    if (category === "public") return;
    const target = host.kind === "name" ? `${host.name}:${port}: it resolves to ${ip.address},` : `${hostLabel(ip)}:${port}:`;
    if (category === "denied") throw new HttpError("egress", `egress denied for ${target} a ${label}`);
    if (!denyPrivate) return;
    if (addressAllowed(ip) || (host.kind === "name" && nameAllowed(host.name))) return;
    throw new HttpError("egress", `egress denied for ${target} a ${label}; private addresses are not allowed`);
  }

  async function resolveName(name: string, port: number): Promise<ParsedIp[]> {
    let answers: ReadonlyArray<{ address: string; family: number }>;
    try {
      answers = await lookup(name);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "EAI_AGAIN") throw markRetryable(new HttpError("network", `temporary DNS failure for ${name}:${port}`));
      throw new HttpError("network", `cannot resolve ${name}:${port}`);
    }
    const ips: ParsedIp[] = [];
    for (const answer of answers) {
      const ip = parseIp(answer.address);
      // A resolver answer that is not an IP literal is refused rather than guessed at.
      if (!ip) throw new HttpError("egress", `egress denied for ${name}:${port}: the resolver returned an unparsable address`);
      ips.push(ip);
    }
    if (ips.length === 0) throw new HttpError("network", `cannot resolve ${name}:${port}`);
    return ips;
  }

  async function resolveAll(host: string, port: number): Promise<ResolvedAddress[]> {
    const target = normaliseHost(host);
    const ips = target.kind === "ip" ? [target.ip] : await resolveName(target.name, port);
    for (const ip of ips) check(ip, target, port);
    return ips.map((ip) => ({ address: ip.address, family: ip.family }));
  }

  return {
    resolveAll,
    async resolveAllowed(host, port) {
      const [first] = await resolveAll(host, port);
      return first;
    },
    async checkProxiedTarget(host, port) {
      const target = normaliseHost(host);
      if (target.kind === "ip") return check(target.ip, target, port);
      let ips: ParsedIp[] | undefined;
      try {
        ips = await withinMs(resolveName(target.name, port), PROXIED_LOOKUP_MS);
      } catch (err) {
        if (err instanceof HttpError && err.kind === "egress") throw err;
      }
      // Not resolvable here (or too slowly): only the proxy can resolve it.
      for (const ip of ips ?? []) check(ip, target, port);
    },
  };
}

/**
 * Resolves a host and checks it with the given egress policy; returns the address to
 * connect to (for transports that open their own sockets, e.g. SMTP via nodemailer:
 * connect to `address` and keep `host` for TLS SNI/certificate checks). Prefer the
 * client's own `resolveAllowed`, which uses the server's configured policy.
 */
export function resolveAllowed(host: string, port: number, options: EgressOptions = {}, lookup?: DnsLookup): Promise<ResolvedAddress> {
  return createEgressGuard(options, lookup).resolveAllowed(host, port);
}
