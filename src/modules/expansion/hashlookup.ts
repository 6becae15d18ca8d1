// hashlookup: is this MD5/SHA-1/SHA-256 part of a known file set (NSRL, distribution
// packages...)? Asks CIRCL hashlookup and returns a `hashlookup` object referencing the
// queried attribute (docs/modules.md#hashlookup). "Non existing hash" is a normal answer, replied as
// {"error", "results": []} so MISP's batch enrichment goes on with the next attribute.
import { defineExpansionModule, setting, ModuleError, type ModuleContext } from "../../sdk/index.js";
import { HASHLOOKUP, MispResultBuilder, expansionError } from "../shared/misp-format/index.js";
import {
  echoAttribute,
  requireAttribute,
  upstreamBase,
  upstreamFailure,
  upstreamLookup,
  type UpstreamAnswer,
} from "../shared/enrichment/index.js";

const DEFAULT_API = "https://hashlookup.circl.lu";
const HEX_LENGTH: Record<string, number> = { md5: 32, sha1: 40, sha256: 64 };
const SERVICE = "hashlookup";
const upstream = upstreamLookup();

/** Response keys copied into the object, by relation; hash relations are emitted lower-case. */
const TEXT_RELATIONS = [
  "source",
  "KnownMalicious",
  "FileName",
  "FileSize",
  "PackageName",
  "PackageVersion",
  "PackageRelease",
  "PackageArch",
  "PackageMaintainer",
  "PackageDescription",
];
const HASH_RELATIONS = ["MD5", "SHA-1", "SHA-256", "SSDEEP", "TLSH"];
const LOWER_CASED = new Set(["MD5", "SHA-1", "SHA-256", "TLSH"]);

type Lookup = { found: Record<string, unknown> } | { missing: string };

async function lookup(ctx: ModuleContext, url: string, timeoutMs: number, deadline: number): Promise<UpstreamAnswer<Lookup>> {
  let res;
  try {
    res = await ctx.http.request(url, { headers: { accept: "application/json" }, timeoutMs, deadline });
  } catch (err) {
    throw upstreamFailure(SERVICE, err);
  }
  if (res.status === 404) return { value: { missing: "Non existing hash" }, cacheable: true };
  if (res.status === 400) {
    const message = messageOf(res.body);
    throw new ModuleError(`${SERVICE}: ${message ?? "the service rejected the hash (HTTP 400)"}`);
  }
  if (res.status !== 200) throw new ModuleError(`${SERVICE}: API not accessible (HTTP ${res.status})`);
  let body: unknown;
  try {
    body = res.json();
  } catch (err) {
    throw upstreamFailure(SERVICE, err);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new ModuleError(`${SERVICE}: unexpected answer from the service`);
  if (Object.keys(body).length === 0) return { value: { missing: "Empty result" }, cacheable: false };
  return { value: { found: body as Record<string, unknown> }, cacheable: true };
}

function messageOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed?.message === "string" && parsed.message.trim() ? parsed.message.trim() : undefined;
  } catch {
    return undefined;
  }
}

export default defineExpansionModule({
  meta: {
    name: "CIRCL Hashlookup Lookup",
    version: "2",
    description: "Check whether a file hash belongs to a known software set (CIRCL hashlookup).",
    logo: "circl.png",
    requirements: [],
    features:
      "Queries the hashlookup API for MD5/SHA-1/SHA-256 values and returns a hashlookup object (file names, sizes, " +
      "other hashes, package information, source) referencing the queried attribute. Answers are cached and the " +
      "request rate is limited on the server side.",
    references: ["https://www.circl.lu/services/hashlookup/"],
    input: "File hashes (MD5, SHA-1, SHA-256)",
    output: "A hashlookup object referencing the queried attribute.",
  },
  moduleType: ["expansion", "hover"],
  input: ["md5", "sha1", "sha256"],
  format: "misp_standard",
  settings: {
    custom_API: setting.text({
      description: "Base URL of a hashlookup instance (default https://hashlookup.circl.lu).",
      default: DEFAULT_API,
    }),
  },

  serverSettings: upstream.serverSettings,

  async handler({ config, attribute, request }, ctx) {
    const queried = requireAttribute(attribute, Object.keys(HEX_LENGTH), "md5 or sha1 or sha256 is missing.");
    const hash = queried.value.trim().toLowerCase();
    const length = HEX_LENGTH[queried.type]!;
    if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hash)) {
      throw new ModuleError(`${queried.type} value must be ${length} hexadecimal characters`);
    }
    const base = upstreamBase(config.custom_API, DEFAULT_API);
    const result = await upstream.call(ctx, request, {
      upstream: base,
      key: `${queried.type}/${hash}`,
      fetch: (timeoutMs, deadline) => lookup(ctx, `${base}/lookup/${queried.type}/${hash}`, timeoutMs, deadline),
    });
    if ("missing" in result) return expansionError(result.missing);

    const results = new MispResultBuilder().addAttribute(echoAttribute(queried));
    const obj = results.addObject(HASHLOOKUP);
    for (const relation of [...HASH_RELATIONS, ...TEXT_RELATIONS]) {
      const raw = result.found[relation];
      const value = typeof raw === "string" && LOWER_CASED.has(relation) ? raw.toLowerCase() : raw;
      // MISP refuses a size-in-bytes that is not a whole number; skip it rather than fail the import.
      if (relation === "FileSize" && !/^\d+$/.test(String(value ?? "").trim())) continue;
      obj.add(relation, typeof value === "string" ? value.trim() : value);
    }
    if (obj.attributeCount === 0) return expansionError("Empty result");
    obj.addReference(queried.uuid, "related-to");
    return { results: results.build() };
  },
});
