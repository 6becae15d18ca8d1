// mmdb_lookup: country-level geolocation and ASN of an IP address from an mmdb-server
// instance (default CIRCL's ip.circl.lu), as geolocation and asn objects referencing the
// queried attribute (docs/modules.md#mmdb_lookup).
import { isIP } from "node:net";
import { defineExpansionModule, setting, ModuleError, type ModuleContext } from "../../sdk/index.js";
import { ASN, GEOLOCATION, MispResultBuilder, expansionError } from "../shared/misp-format/index.js";
import {
  echoAttribute,
  requireAttribute,
  upstreamBase,
  upstreamFailure,
  upstreamLookup,
  type UpstreamAnswer,
} from "../shared/enrichment/index.js";

const DEFAULT_API = "https://ip.circl.lu";
const SERVICE = "mmdb_lookup";
const upstream = upstreamLookup();
const IP_TYPES = ["ip-src", "ip-src|port", "ip-dst", "ip-dst|port"];

type Entry = Record<string, unknown>;

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

async function lookup(ctx: ModuleContext, url: string, timeoutMs: number, deadline: number): Promise<UpstreamAnswer<Entry[]>> {
  let body: unknown;
  try {
    const res = await ctx.http.request(url, { headers: { accept: "application/json" }, timeoutMs, deadline });
    if (res.status !== 200) throw new ModuleError(`API not accessible - http status code ${res.status} was returned`);
    body = res.json();
  } catch (err) {
    throw upstreamFailure(SERVICE, err);
  }
  if (!Array.isArray(body)) throw new ModuleError(`${SERVICE}: unexpected answer from the mmdb server (not a list)`);
  return { value: body.map(record), cacheable: true };
}

/** `max_country_info_qt`: null, "" and "0" mean unlimited (the reference crashed on ""). */
function geolocationLimit(raw: string | undefined): number {
  const v = (raw ?? "").trim();
  if (v === "" || v === "0") return Infinity;
  if (!/^\d+$/.test(v)) throw new ModuleError(`max_country_info_qt must be a whole number, got "${v}"`);
  return Number(v);
}

/** MISP's AS type wants the bare number 1..4294967295. */
function asNumber(value: unknown): string | undefined {
  const v = text(value)?.replace(/^AS/i, "");
  if (!v || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 4294967295 ? String(n) : undefined;
}

export default defineExpansionModule({
  meta: {
    name: "GeoIP Enrichment",
    version: "2",
    description: "Geolocate an IP address (country level) and find its ASN with an mmdb-server instance.",
    logo: "circl.png",
    requirements: [],
    features:
      "Queries an mmdb-server (default https://ip.circl.lu) and returns one geolocation object per database that " +
      "knows the address (country, country code, average latitude and longitude) and an asn object when the database " +
      "has the autonomous system. db_source_filter keeps one database; max_country_info_qt caps the number of " +
      "geolocation objects. Answers are cached and the request rate is limited on the server side.",
    references: [
      "https://data.public.lu/fr/datasets/geo-open-ip-address-geolocation-per-country-in-mmdb-format/",
      "https://github.com/adulau/mmdb-server",
    ],
    input: "An IP address attribute (ip-src, ip-dst, or with |port).",
    output: "geolocation and asn objects referencing the queried attribute.",
  },
  moduleType: ["expansion", "hover"],
  input: IP_TYPES,
  format: "misp_standard",
  settings: {
    custom_API: setting.text({ description: "Base URL of an mmdb-server instance (default https://ip.circl.lu).", default: DEFAULT_API }),
    db_source_filter: setting.text({ description: "Keep only the answers of this database (meta.db_source, e.g. GeoOpen-Country-ASN)." }),
    max_country_info_qt: setting.text({ description: "Maximum number of geolocation objects (empty or 0: no limit)." }),
  },

  serverSettings: upstream.serverSettings,

  async handler({ config, attribute, request }, ctx) {
    const queried = requireAttribute(attribute, IP_TYPES, "There is no attribute of type ip-src or ip-dst provided as input");
    const ip = queried.value
      .split("|")[0]!
      .trim()
      .replace(/^\[(.*)\]$/, "$1");
    if (isIP(ip) === 0) throw new ModuleError("invalid IP address");
    const limit = geolocationLimit(config.max_country_info_qt);
    const sourceFilter = config.db_source_filter?.trim();
    const base = upstreamBase(config.custom_API, DEFAULT_API);
    let entries = await upstream.call(ctx, request, {
      upstream: base,
      key: ip.toLowerCase(),
      fetch: (timeoutMs, deadline) => lookup(ctx, `${base}/geolookup/${encodeURIComponent(ip)}`, timeoutMs, deadline),
    });
    if (sourceFilter) {
      entries = entries.filter((e) => record(e.meta).db_source === sourceFilter);
      if (entries.length === 0) return expansionError("There was no result with the selected db_source");
    }

    const results = new MispResultBuilder().addAttribute(echoAttribute(queried));
    let geolocations = 0;
    for (const entry of entries) {
      const info = record(entry.country_info);
      if (Object.keys(info).length === 0) continue;
      const country = record(entry.country);
      const meta = record(entry.meta);
      const source = `db_source: ${text(meta.db_source) ?? "unknown"}. build_db: ${text(meta.build_db) ?? "unknown"}.`;
      if (geolocations < limit) {
        const geo = results
          .addObject(GEOLOCATION)
          .add("country", text(info.Country))
          .add("countrycode", text(country.iso_code))
          .add("latitude", text(info["Latitude (average)"]))
          .add("longitude", text(info["Longitude (average)"]))
          .add("text", `${source} Latitude and longitude are country average.`)
          .addReference(queried.uuid, "related-to");
        if (geo.attributeCount > 0) geolocations++;
      }
      const asn = asNumber(country.AutonomousSystemNumber);
      if (asn) {
        const organisation = text(country.AutonomousSystemOrganization);
        results
          .addObject(ASN)
          .add("asn", asn)
          .add("description", `ASNOrganization: ${organisation ?? "unknown"}. ${source}`)
          .addReference(queried.uuid, "related-to");
      }
    }
    if (results.objectCount === 0) return expansionError("Empty result returned by server");
    return { results: results.build() };
  },
});
