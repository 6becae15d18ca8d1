// The `nameserver` setting of the dns module: comma-separated IP literals, each optionally
// with a port ("192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353"),
// turned into the strings node's Resolver#setServers accepts.
import { isIP } from "node:net";
import { ModuleError } from "../../../sdk/errors.js";

function withPort(host: string, port: string | undefined): string {
  if (port === undefined) return host;
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new ModuleError(`nameserver port must be 1-65535, got "${port}"`);
  return isIP(host) === 6 ? `[${host}]:${n}` : `${host}:${n}`;
}

export function parseNameservers(raw: string): string[] {
  const servers: string[] = [];
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(part);
    if (bracketed && isIP(bracketed[1]!) === 6) {
      servers.push(withPort(bracketed[1]!, bracketed[2]));
      continue;
    }
    if (isIP(part) !== 0) {
      servers.push(part);
      continue;
    }
    const v4port = /^([^:]+):(\d*)$/.exec(part);
    if (v4port && isIP(v4port[1]!) === 4) {
      servers.push(withPort(v4port[1]!, v4port[2]));
      continue;
    }
    throw new ModuleError(`nameserver must be a comma-separated list of IP addresses (optionally with :port), got "${part}"`);
  }
  if (servers.length === 0) throw new ModuleError("nameserver must name at least one IP address");
  return servers;
}

/** Host and port of one entry returned by parseNameservers (port 53 when none was given). */
export function nameserverTarget(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(server);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  if (isIP(server) !== 0) return { host: server, port: 53 };
  const i = server.lastIndexOf(":");
  return { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
}
