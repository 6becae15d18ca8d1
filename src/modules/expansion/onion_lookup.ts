// onion_lookup: what the AIL project's onion-lookup service knows about a Tor v3 onion
// address (docs/modules.md#onion_lookup): a tor-hiddenservice object (first/last seen, languages, titles) and
// the service's tags, attached to the echoed input attribute. Unlike the reference we leave
// the attribute's comment alone (it wrote "custom comment", which batch enrichment then saved
// into the user's attribute) and add no debug comment to the object.
import { defineExpansionModule, setting, ModuleError, type ModuleContext } from "../../sdk/index.js";
import { MispResultBuilder, TOR_HIDDENSERVICE, expansionError } from "../shared/misp-format/index.js";
import {
  echoAttribute,
  requireAttribute,
  upstreamBase,
  upstreamFailure,
  upstreamLookup,
  type UpstreamAnswer,
} from "../shared/enrichment/index.js";

const DEFAULT_API = "https://onion.ail-project.org";
const SERVICE = "onion-lookup";
const upstream = upstreamLookup();

type Lookup = { found: Record<string, unknown> } | { missing: string };

/**
 * The 56-character v3 service label of a user-typed address: trimmed, lower-cased, without
 * scheme, credentials, path, port, sub-domains or the `.onion` suffix. Undefined if not v3.
 */
export function onionServiceLabel(raw: string): string | undefined {
  let s = raw.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  s = s.replace(/[/?#].*$/, "");
  s = s.replace(/^.*@/, "");
  s = s.replace(/:\d*$/, "");
  s = s.replace(/\.$/, "").replace(/\.onion$/, "");
  const label = s.split(".").pop() ?? "";
  return /^[a-z2-7]{56}$/.test(label) ? label : undefined;
}

/** The AIL error text of a not-found/bad-format answer, whatever its wrapping. */
function errorOf(body: unknown): string | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  if (first && typeof first === "object" && !Array.isArray(first)) {
    const error = (first as Record<string, unknown>).error;
    if (typeof error === "string" && error.trim()) return error.trim();
  }
  return undefined;
}

async function lookup(ctx: ModuleContext, url: string, timeoutMs: number, deadline: number): Promise<UpstreamAnswer<Lookup>> {
  let body: unknown;
  try {
    const res = await ctx.http.request(url, { headers: { accept: "application/json" }, timeoutMs, deadline });
    if (res.status !== 200) throw new ModuleError(`${SERVICE}: API not accessible (HTTP ${res.status})`);
    body = res.json();
  } catch (err) {
    throw upstreamFailure(SERVICE, err);
  }
  const error = errorOf(body);
  // The list form `[{"error": ...}, 404]` is AIL's stable "unknown domain" answer; the rest may change soon.
  if (error) return { value: { missing: `${SERVICE}: ${error}` }, cacheable: Array.isArray(body) };
  if (!body || typeof body !== "object" || Array.isArray(body) || Object.keys(body).length === 0) {
    return { value: { missing: `${SERVICE}: no data` }, cacheable: false };
  }
  return { value: { found: body as Record<string, unknown> }, cacheable: true };
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim()) : [];
}

/** AIL dates are `YYYY-MM-DD`; MISP's datetime type wants a full timestamp. */
function seenAt(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00:00+00:00`;
  return v !== "" && !Number.isNaN(Date.parse(v)) ? v : undefined;
}

export default defineExpansionModule({
  meta: {
    name: "Onion Lookup",
    version: "2",
    description: "Look up a Tor v3 onion address in the AIL project's onion-lookup service.",
    logo: "onion.png",
    requirements: [],
    features:
      "Returns a tor-hiddenservice object (address, first and last seen dates, languages, page titles) referencing the " +
      "queried attribute, and adds the dark-web/infoleak tags the service knows to the attribute. Answers are cached " +
      "and the request rate is limited on the server side.",
    references: ["https://onion.ail-project.org/"],
    input: "An onion-address attribute (Tor v3 address, with or without .onion).",
    output: "A tor-hiddenservice object and tags for the queried attribute.",
  },
  moduleType: ["expansion", "hover"],
  input: ["onion-address"],
  format: "misp_standard",
  settings: {
    custom_API: setting.text({
      description: "Base URL of an onion-lookup instance (default https://onion.ail-project.org).",
      default: DEFAULT_API,
    }),
  },

  serverSettings: upstream.serverSettings,

  async handler({ config, attribute, request }, ctx) {
    const queried = requireAttribute(attribute, ["onion-address"], "Unsupported attribute type.");
    const label = onionServiceLabel(queried.value);
    if (!label) throw new ModuleError("only v3 onion addresses are supported");
    const address = `${label}.onion`;
    const base = upstreamBase(config.custom_API, DEFAULT_API);
    const result = await upstream.call(ctx, request, {
      upstream: base,
      key: address,
      fetch: (timeoutMs, deadline) => lookup(ctx, `${base}/api/lookup/${address}`, timeoutMs, deadline),
    });
    if ("missing" in result) return expansionError(result.missing);

    const found = result.found;
    const tags = strings(found.tags);
    const results = new MispResultBuilder().addAttribute(echoAttribute(queried, tags));
    const id = typeof found.id === "string" ? onionServiceLabel(found.id) : undefined;
    const obj = results
      .addObject(TOR_HIDDENSERVICE)
      .add("address", `${id ?? label}.onion`, { tags })
      .add("first-seen", seenAt(found.first_seen))
      .add("last-seen", seenAt(found.last_seen))
      .addAll("language", strings(found.languages))
      .addAll("title", strings(found.titles));
    obj.addReference(queried.uuid, "expanded-from");
    return { results: results.build() };
  },
});
