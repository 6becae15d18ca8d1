// dns: resolve a hostname/domain to its IP addresses (docs/modules.md#dns), simplified format. Uses
// the configured nameservers, else the system's (what MISP users of the reference actually
// get, since MISP always sends `config: {"nameserver": null}`). All addresses are returned,
// not just the first; AAAA records are added when the server setting `aaaa` is on.
import { Resolver } from "node:dns/promises";
import { defineExpansionModule, setting, serverSetting, ModuleError, type ModuleContext } from "../../sdk/index.js";
import { expansionError, simplifiedResult } from "../shared/misp-format/index.js";
import { nameserverTarget, parseNameservers, simplifiedInput, upstreamLookup, type UpstreamAnswer } from "../shared/enrichment/index.js";
import { isHttpError } from "../../services/http/types.js";

const INPUT_TYPES = ["hostname", "domain", "domain|ip"];
/** Per try and overall, like the reference (dnspython timeout/lifetime 2 s). */
const RESOLVE_TIMEOUT_MS = 2000;
/** Negative answers (NXDOMAIN, no record) are kept at most this long. */
const NEGATIVE_TTL_MS = 60_000;

type Resolution = { addresses: string[] } | { missing: string };

function dnsCode(err: unknown): string {
  return typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "";
}

/** DNS answers are cheap for a resolver: a higher pace than for a public web service. */
const upstream = upstreamLookup({ ratePerMinute: 600, rateBurst: 50 });

type Records = { address: string; ttl: number }[];

/** One record type; "no such name" and "no record of this type" are answers, not failures. */
async function query(resolver: Resolver, host: string, family: 4 | 6): Promise<Records | "nxdomain" | "nodata"> {
  try {
    return family === 4 ? await resolver.resolve4(host, { ttl: true }) : await resolver.resolve6(host, { ttl: true });
  } catch (err) {
    const code = dnsCode(err);
    if (code === "ENOTFOUND") return "nxdomain";
    if (code === "ENODATA") return "nodata";
    if (code === "ETIMEOUT") throw new ModuleError("Timeout");
    if (code === "ECANCELLED") throw new ModuleError("Timeout");
    throw new ModuleError(`DNS resolving error ${code || (err as Error).message}`);
  }
}

/**
 * Nameservers come from the request (`config.nameserver`) as well as from settings, so they
 * pass the same egress policy as every HTTP request (docs/security.md, "DNS servers"): the
 * always-denied ranges (0.0.0.0/8, link-local, metadata...) are refused, private ones too
 * with denyPrivate unless allow-listed. One refused server refuses the list: no query is sent.
 */
async function checkNameservers(ctx: ModuleContext, servers: string[]): Promise<void> {
  const resolveAllowed = ctx.http.resolveAllowed;
  if (!resolveAllowed) throw new ModuleError("nameserver cannot be checked against the egress policy; not sent");
  for (const server of servers) {
    const { host, port } = nameserverTarget(server);
    try {
      await resolveAllowed(host, port);
    } catch (e) {
      if (isHttpError(e)) throw new ModuleError(`nameserver ${server} refused: ${e.message}`);
      throw e;
    }
  }
}

async function resolve(
  ctx: ModuleContext,
  host: string,
  servers: string[] | undefined,
  withAaaa: boolean,
): Promise<UpstreamAnswer<Resolution>> {
  const resolver = new Resolver({ timeout: RESOLVE_TIMEOUT_MS, tries: 1 });
  if (servers) resolver.setServers(servers);
  // c-ares retries on its own schedule; the overall limit is ours.
  const overall = setTimeout(() => resolver.cancel(), RESOLVE_TIMEOUT_MS);
  const onAbort = () => resolver.cancel();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const answers = await Promise.all([query(resolver, host, 4), withAaaa ? query(resolver, host, 6) : Promise.resolve("nodata" as const)]);
    const records = answers.flatMap((a) => (Array.isArray(a) ? a : []));
    if (records.length === 0) {
      const missing = answers[0] === "nxdomain" ? "NXDOMAIN" : withAaaa ? "No A or AAAA record" : "No A record";
      return { value: { missing }, cacheable: true, ttlMs: NEGATIVE_TTL_MS };
    }
    const addresses = [...new Set(records.map((r) => r.address))];
    const ttlMs = Math.min(...records.map((r) => r.ttl)) * 1000;
    return { value: { addresses }, cacheable: ttlMs > 0, ttlMs };
  } finally {
    clearTimeout(overall);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

export default defineExpansionModule({
  meta: {
    name: "DNS Resolver",
    version: "2",
    description: "Resolve a hostname or domain to its IP addresses.",
    logo: "",
    requirements: [],
    features:
      "Queries A records (and AAAA records when the server setting aaaa is on) with the configured nameservers or the " +
      "system's resolver; returns every address as ip-src/ip-dst. Answers are cached for at most their DNS TTL.",
    references: [],
    input: "A domain or hostname attribute (or domain|ip).",
    output: "IP addresses (ip-src, ip-dst).",
  },
  moduleType: ["expansion", "hover"],
  input: INPUT_TYPES,
  output: ["ip-src", "ip-dst"],
  settings: {
    nameserver: setting.text({
      description: "Comma-separated nameserver IP addresses (optionally with :port); empty: the system's resolver.",
    }),
  },

  serverSettings: {
    ...upstream.serverSettings,
    aaaa: serverSetting.boolean({ default: false, description: "Also ask for AAAA (IPv6) records." }),
  },

  async handler({ config, request }, ctx) {
    const input = simplifiedInput(request, INPUT_TYPES);
    if (!input) throw new ModuleError("No hostname or domain provided");
    const host = (input.type === "domain|ip" ? input.value.split("|")[0]! : input.value).trim().replace(/\.$/, "").toLowerCase();
    if (host === "") throw new ModuleError("No hostname or domain provided");
    const servers = config.nameserver ? parseNameservers(config.nameserver) : undefined;
    if (servers) await checkNameservers(ctx, servers);
    const withAaaa = ctx.settings.aaaa;
    const result = await upstream.call(ctx, request, {
      upstream: servers?.join(",") ?? "system",
      key: `${withAaaa ? "A+AAAA" : "A"} ${host}`,
      fetch: () => resolve(ctx, host, servers, withAaaa),
    });
    if ("missing" in result) return expansionError(result.missing);
    return { results: [simplifiedResult(["ip-src", "ip-dst"], result.addresses)] };
  },
});
