import { defineActionModule, ModuleError, param, ParamError, parseParam } from "../../sdk/index.js";
import { isHttpError } from "../../services/http/types.js";
import { hecEventEndpoint, HecEndpointError } from "./_splunk_hec/endpoint.js";
import { packBatches, serialiseEnvelope } from "./_splunk_hec/envelopes.js";
import { exportRecordsOfNode } from "../shared/export-records/index.js";
import { interpretHecResponse } from "./_splunk_hec/response.js";

// Splunk HTTP Event Collector export (docs/modules.md#splunk_hec). Replaces MISP's built-in
// splunk-hec-export, which never sends anything since 2.4.178 and ignores verify_tls.
// Events are packed into as few requests as batch_max_bytes allows and the batches are
// sent one after another; the first rejection stops the export and is reported with
// how far it got.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default defineActionModule({
  meta: {
    description: "Send the event (or one Splunk event per attribute) to a Splunk HTTP Event Collector.",
    name: "Splunk HEC",
    version: "1.0",
    features:
      "Batches events into few requests (newline-separated HEC envelopes), honours verify_tls, supports index/source/sourcetype/host, " +
      "indexer acknowledgment channels, node filters on attributes and a hash-path extraction model. Fails with HEC's own reason.",
    references: ["https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector"],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "Events in Splunk.",
  },
  icon: { name: "database", class: "fas" },
  params: {
    url: param.url({
      required: true,
      placeholder: "https://splunk:8088/services/collector/event",
      description:
        "HEC URL: base URL (https://splunk:8088) or the /services/collector[/event] endpoint. The raw endpoint is not supported.",
    }),
    hec_token: param.secret({ required: true, description: "HEC token (sent as 'Authorization: Splunk <token>')." }),
    verify_tls: param.boolean({ default: true, description: "Verify the HEC server's TLS certificate." }),
    source_type: param.string({ description: "Splunk sourcetype. Default: misp:event, or misp:attribute with event_per_attribute." }),
    source: param.string({ default: "misp", description: "Splunk source." }),
    index: param.string({ description: "Target index. Default: the token's default index." }),
    host: param.string({ description: "Splunk host field. Default: none (Splunk uses the sender's address)." }),
    event_per_attribute: param.boolean({
      default: false,
      description:
        "Send one Splunk event per attribute ({Attribute, Event without attribute lists, Object for object attributes}) instead of one per MISP event.",
    }),
    data_extraction_model: param.largeString({
      placeholder: '{"info": "Event.info"}',
      description:
        "Optional JSON object field → hash path; each Splunk event then holds only these fields (a one-element result is unwrapped).",
    }),
    channel: param.string({
      description: "GUID sent as X-Splunk-Request-Channel (needed when the token uses indexer acknowledgment). Default: none.",
    }),
    batch_max_bytes: param.integer({
      default: 1_000_000,
      min: 1,
      max: 800_000_000,
      placeholder: "1000000",
      description: "Maximum body size per request in bytes.",
    }),
  },
  supportFilters: true,
  expectMispCoreFormat: true,
  outbound: {},
  async handler({ params, data, filteredItems }, ctx) {
    const endpoint: string = parseParam("url", HecEndpointError, () => hecEventEndpoint(params.url));
    const channel = params.channel.trim();
    if (channel !== "" && !GUID.test(channel))
      throw new ParamError("channel", "must be a GUID such as 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba");

    const payloads = exportRecordsOfNode("splunk_hec", params, data, filteredItems, ctx.log);

    const fields = {
      source: params.source.trim() || "misp",
      sourcetype: params.source_type.trim() || (params.event_per_attribute ? "misp:attribute" : "misp:event"),
      host: params.host.trim() || undefined,
      index: params.index.trim() || undefined,
    };
    const envelopes = payloads.map((p) => serialiseEnvelope(p, fields));
    if (envelopes.length === 0) {
      ctx.log.info("splunk_hec: the event has no attributes to send");
      return;
    }

    const batches = packBatches(envelopes, params.batch_max_bytes);
    const headers: Record<string, string> = { authorization: `Splunk ${params.hec_token}`, "content-type": "application/json" };
    if (channel !== "") headers["x-splunk-request-channel"] = channel;

    let sent = 0;
    for (const [i, batch] of batches.entries()) {
      const which = `batch ${i + 1}/${batches.length}`;
      const before = i > 0 ? `; ${sent} events sent before` : "";
      let res;
      try {
        res = await ctx.http.request(endpoint, {
          method: "POST",
          headers,
          body: batch.body,
          verifyTls: params.verify_tls,
          secrets: [params.hec_token],
          // A resend could duplicate events that Splunk did index.
          retry: false,
        });
      } catch (e) {
        // Duck-typed: modules are loaded through tsx, so class identity is not shared with the core.
        if (isHttpError(e)) throw new ModuleError(`${which} failed: ${e.message}${before}`);
        throw e;
      }
      const verdict = interpretHecResponse(res);
      if (!verdict.accepted) throw new ModuleError(`${which} rejected: ${verdict.reason}${before}`);
      sent += batch.count;
    }
    ctx.log.info({ events: sent, requests: batches.length }, "sent to Splunk HEC");
  },
});
