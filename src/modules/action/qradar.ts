import { defineActionModule, ModuleError, param, ParamError, parseParam } from "../../sdk/index.js";
import { isHttpError } from "../../services/http/types.js";
import { describeQradarFailure, qradarCode } from "./_qradar/errors.js";
import { bulkLoadRequests, createSetRequest } from "./_qradar/requests.js";
import { sendQradar, type QradarConnection } from "./_qradar/send.js";
import { DEFAULT_SET_MAPPING, MappingError, parseSetMapping, valuesBySet, type SetSpec } from "./_qradar/sets.js";
import type { ExportRequest } from "../shared/export-records/export-request.js";
import { caCertificateParam } from "../shared/ca-certificate.js";

// IBM QRadar reference sets (docs/actions-siem.md#qradar): the event's values are added to
// one reference set per group of attribute types with `bulk_load`. A missing set (404, code
// 1002) is created with the right element type when asked; QRadar's error codes are
// reported with their meaning.

const TTL = /^\d+ (second|minute|hour|day|week|month|year)s?$/;

/** The parameter checks that need no request: run before queuing and on every attempt. */
function checkQradarParams(params: { api_version: string; time_to_live: string; ca_certificate: string; set_mapping: string }) {
  const apiVersion = params.api_version.trim();
  if (!/^\d{1,2}\.\d{1,2}$/.test(apiVersion)) throw new ParamError("api_version", "must be a version such as 16.0");
  const ttl = params.time_to_live.trim();
  if (ttl !== "" && !TTL.test(ttl)) throw new ParamError("time_to_live", "must be a number and a unit, e.g. '90 days' or '12 hours'");
  const ca = caCertificateParam(params.ca_certificate);
  const sets: SetSpec[] = parseParam("set_mapping", MappingError, () => parseSetMapping(params.set_mapping));
  return { apiVersion, ttl, ca, sets };
}

export default defineActionModule({
  meta: {
    description: "Add the event's indicator values to IBM QRadar reference sets (one set per group of attribute types).",
    name: "IBM QRadar reference sets",
    version: "1.0",
    features:
      "bulk_load per set with the SEC token and Version header, configurable type → set mapping, optional creation of missing sets with the right element type " +
      "(IP, ALNIC, ALN) and time to live, QRadar error codes explained, node filters.",
    references: ["https://ibmsecuritydocs.github.io/qradar_api_14.0/14.0--reference_data-sets-bulk_load-name-POST.html"],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "Values in QRadar reference sets.",
  },
  icon: { name: "shield-alt", class: "fas" },
  params: {
    url: param.url({ required: true, placeholder: "https://qradar.example.org", description: "QRadar console URL." }),
    sec_token: param.secret({ required: true, description: "Authorized service token (sent as the SEC header)." }),
    api_version: param.string({ default: "16.0", placeholder: "16.0", description: "API version sent in the Version header." }),
    set_mapping: param.largeString({
      default: DEFAULT_SET_MAPPING,
      placeholder: DEFAULT_SET_MAPPING,
      description: "One line per reference set: 'attribute types separated by commas = Set name'. Default: the lines shown.",
    }),
    create_missing_sets: param.boolean({
      default: false,
      description: "Create a set that does not exist (element type IP, ALNIC or ALN from its types).",
    }),
    time_to_live: param.string({
      placeholder: "90 days",
      description: "For created sets: how long a value stays after it was last seen, e.g. '90 days'. Default: forever.",
    }),
    ids_only: param.boolean({ default: true, description: "Only attributes with the IDS flag." }),
    verify_tls: param.boolean({ default: true, description: "Verify QRadar's TLS certificate." }),
    ca_certificate: param.largeString({ description: "PEM CA certificate(s) trusted in addition to the public roots." }),
  },
  supportFilters: true,
  expectMispCoreFormat: true,
  outbound: {
    // bulk_load adds to a set: sending the same values again changes nothing, so a retry is safe.
    validate({ params }) {
      checkQradarParams(params);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { apiVersion, ttl, ca, sets } = checkQradarParams(params);
    const { bySet, skipped, unmapped } = valuesBySet(data, filteredItems, sets, params.ids_only);
    if (unmapped.size > 0) ctx.log.info({ unmapped: Object.fromEntries(unmapped) }, "qradar: attribute types without a reference set");
    if (bySet.length === 0) {
      ctx.log.info({ skipped }, "qradar: no value to add");
      return;
    }

    const target = { baseUrl: params.url, apiVersion };
    const conn: QradarConnection = { secToken: params.sec_token.trim(), verifyTls: params.verify_tls, ca: ca || undefined };
    let added = 0;
    const send = async (req: ExportRequest, what: string) => {
      try {
        return await sendQradar(ctx.http, req, conn);
      } catch (e) {
        if (isHttpError(e)) throw new ModuleError(`${what} failed: ${e.message}${added > 0 ? `; ${added} values added before` : ""}`);
        throw e;
      }
    };
    const fail = (what: string, res: Parameters<typeof describeQradarFailure>[0]) =>
      new ModuleError(
        `${what} rejected: ${describeQradarFailure(res, [conn.secToken])}${added > 0 ? `; ${added} values added before` : ""}`,
      );

    for (const { set, values } of bySet) {
      let created = false;
      for (const req of bulkLoadRequests(target, set, values)) {
        const what = `reference set "${set.name}"`;
        let res = await send(req, what);
        if (res.status === 404 && qradarCode(res) === 1002 && params.create_missing_sets && !created) {
          const create = await send(createSetRequest(target, set, { timeToLive: ttl }), `creating ${what}`);
          // 409/1004: created meanwhile by someone else, which is as good.
          if (create.status !== 201 && !(create.status === 409 && qradarCode(create) === 1004)) throw fail(`creating ${what}`, create);
          created = true;
          ctx.log.info({ set: set.name, elementType: set.elementType }, "qradar: reference set created");
          res = await send(req, what);
        }
        if (res.status !== 200) throw fail(what, res);
        if (!isSetMetadata(res.body))
          throw new ModuleError(`${what}: HTTP 200 that is not QRadar's reference set reply (is the URL the QRadar console?)`);
        added += req.count;
      }
    }
    ctx.log.info({ values: added, sets: bySet.length, skipped }, "added to QRadar reference sets");
  },
});

/** A bulk_load success replies with the set's metadata (`name`, `element_type`...). */
function isSetMetadata(body: string): boolean {
  try {
    const v = JSON.parse(body) as { name?: unknown };
    return typeof v === "object" && v !== null && typeof v.name === "string";
  } catch {
    return false;
  }
}
