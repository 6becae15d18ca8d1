import { hostname as osHostname } from "node:os";
import type { ModuleContext, ParamValues } from "../../sdk/index.js";
import { defineActionModule, ModuleError, param, ParamError, parseParam } from "../../sdk/index.js";
import { isHttpError } from "../../services/http/types.js";
import { exportRecordsOfNode, type ExportRecord } from "../shared/export-records/index.js";
import { buildSyslogMessages, MessageSizeError, type BuiltMessages } from "./_syslog/messages.js";
import { FACILITIES, isSdName, SEVERITIES } from "./_syslog/rfc5424.js";
import { MAX_UDP_PAYLOAD, sendSyslog, SyslogSendError, type SyslogTransport } from "./_syslog/transport.js";
import { VERSION } from "../../package-info.js";
import { caCertificateParam } from "../shared/ca-certificate.js";
type Prepared = { host: string; transport: SyslogTransport; port: number; ca: string; records: ExportRecord[]; built?: BuiltMessages };

// Syslog export (docs/actions-siem.md#syslog): RFC 5424 messages over UDP, TCP or TLS, one
// per event or per attribute, with a JSON, CEF or LEEF 2.0 payload. Unlike misp-modules'
// cef_export, CEF header and extension values are escaped.

const DEFAULT_PORT = { udp: 514, tcp: 514, tls: 6514 } as const;
/** UDP: what RFC 5426 receivers should accept; TCP/TLS: syslog-ng's default message size. */
const DEFAULT_MAX_BYTES = { udp: 2048, tcp: 65_536, tls: 65_536 } as const;
const CONNECT_TIMEOUT_MS = 10_000;

const SYSLOG_PARAMS = {
  host: param.string({ required: true, placeholder: "siem.example.org", description: "Host name or address of the syslog receiver." }),
  port: param.integer({ min: 1, max: 65_535, placeholder: "6514", description: "Default: 6514 for tls, 514 for tcp and udp." }),
  transport: param.oneOf(["tls", "tcp", "udp"] as const, {
    default: "tls",
    description: "tls (RFC 5425), tcp (RFC 6587) or udp (RFC 5426).",
  }),
  framing: param.oneOf(["octet-counting", "lf"] as const, {
    default: "octet-counting",
    description: "TCP/TLS framing: octet-counting ('LEN message') or lf (message then a line feed). UDP: one message per datagram.",
  }),
  format: param.oneOf(["json", "cef", "leef"] as const, {
    default: "json",
    description: "Message payload: the MISP JSON, ArcSight CEF or IBM LEEF 2.0.",
  }),
  facility: param.oneOf(FACILITIES, { default: "local0", description: "Syslog facility." }),
  severity: param.oneOf(["threat-level", ...SEVERITIES] as const, {
    default: "threat-level",
    description: "Syslog severity; threat-level: High → crit, Medium → warning, Low → notice, Undefined → info.",
  }),
  hostname: param.string({ description: "HOSTNAME field. Default: this server's host name." }),
  app_name: param.string({ default: "misp", placeholder: "misp", description: "APP-NAME field." }),
  sd_id: param.string({
    default: "misp@32473",
    placeholder: "misp@32473",
    description: "SD-ID of the MISP structured-data element (name@enterprise-number; 32473 is the documentation number).",
  }),
  event_per_attribute: param.boolean({ default: false, description: "One message per attribute instead of one per event." }),
  data_extraction_model: param.largeString({
    placeholder: '{"info": "Event.info"}',
    description: "JSON format only: JSON object field → hash path; each message then holds only these fields.",
  }),
  max_message_bytes: param.integer({
    min: 480,
    max: 1_048_576,
    placeholder: "2048",
    description: "Largest message in bytes. Default: 2048 for udp, 65536 for tcp and tls.",
  }),
  oversize: param.oneOf(["truncate", "split"] as const, {
    default: "truncate",
    description:
      "A longer message is truncated (marker '...[truncated]', SD param truncated=<bytes>) or split into parts (SD params part=i/n, size=<bytes>).",
  }),
  utf8_bom: param.boolean({
    default: false,
    description: "Start the MSG with a UTF-8 BOM (RFC 5424 recommends it; some CEF parsers do not expect it).",
  }),
  verify_tls: param.boolean({ default: true, description: "tls: verify the receiver's certificate." }),
  ca_certificate: param.largeString({ description: "tls: PEM CA certificate(s) trusted in addition to the public roots." }),
};

/** Checks the parameters and builds the request: run before queuing and on every attempt. */
function prepareSyslog(
  params: ParamValues<typeof SYSLOG_PARAMS>,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  ctx: ModuleContext,
  /** Before queuing: the same checks, without the warnings (the attempt logs them). */
  quiet = false,
): Prepared {
  const host = params.host.trim();
  if (!/^[A-Za-z0-9.:_-]+$/.test(host) && !/^\[[0-9a-fA-F:.]+\]$/.test(host))
    throw new ParamError("host", "must be a host name or an IP address (no scheme, no port)");
  const transport = params.transport;
  const port = params.port ?? DEFAULT_PORT[transport];
  const maxBytes = params.max_message_bytes ?? DEFAULT_MAX_BYTES[transport];
  if (transport === "udp" && maxBytes > MAX_UDP_PAYLOAD) throw new ParamError("max_message_bytes", `at most ${MAX_UDP_PAYLOAD} with udp`);
  const sdId = params.sd_id.trim();
  if (!isSdName(sdId) || !/^[^@]+@\d+(\.\d+)*$/.test(sdId))
    throw new ParamError("sd_id", 'must be name@enterprise-number (printable ASCII, no space, =, ] or ", at most 32 characters)');
  if (params.data_extraction_model.trim() !== "" && params.format !== "json")
    throw new ParamError("data_extraction_model", "applies to the json format only");
  const ca = caCertificateParam(params.ca_certificate);

  const records = exportRecordsOfNode("syslog", params, data, filteredItems, ctx.log);
  if (records.length === 0) return { host, transport, port, ca, records, built: undefined };

  const built = parseParam("max_message_bytes", MessageSizeError, () =>
    buildSyslogMessages(
      records,
      {
        format: params.format,
        facility: params.facility,
        severity: params.severity === "threat-level" ? undefined : params.severity,
        hostname: params.hostname.trim() || osHostname(),
        appName: params.app_name.trim() || "misp",
        sdId,
        product: { vendor: "MISP", product: "misp-modules-ts", version: VERSION },
        maxBytes,
        oversize: params.oversize,
        bom: params.utf8_bom,
      },
      Date.now(),
    ),
  );
  if (built.truncated > 0 && !quiet)
    ctx.log.warn({ truncated: built.truncated, maxBytes }, "syslog: messages truncated to max_message_bytes");
  return { host, transport, port, ca, records, built };
}

export default defineActionModule({
  meta: {
    description:
      "Send the event (or one message per attribute) to a syslog receiver: RFC 5424 over UDP, TCP or TLS, as JSON, CEF or LEEF 2.0.",
    name: "Syslog (JSON / CEF / LEEF)",
    version: "1.0",
    features:
      "RFC 5424 header and escaped structured data, octet-counting or LF framing, TLS with certificate verification, CEF and LEEF 2.0 with their escaping rules, " +
      "severity from the threat level, size limit per transport (truncation with a marker or split), node filters and a hash-path extraction model (JSON).",
    references: [
      "https://www.rfc-editor.org/rfc/rfc5424",
      "https://www.rfc-editor.org/rfc/rfc5425",
      "https://www.rfc-editor.org/rfc/rfc6587",
    ],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "Syslog messages.",
  },
  icon: { name: "scroll", class: "fas" },
  params: SYSLOG_PARAMS,
  supportFilters: true,
  expectMispCoreFormat: true,
  outbound: {
    // Not HTTP: the destination is the receiver and its transport; the module says which
    // socket failures are worth another attempt (refused, reset, timeout) and which are not (TLS).
    destination: (p) => `${p.host.trim()}:${p.port ?? DEFAULT_PORT[p.transport]}/${p.transport}`,
    validate({ params, data, filteredItems }, ctx) {
      prepareSyslog(params, data, filteredItems, ctx, true);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { host, transport, port, ca, records, built } = prepareSyslog(params, data, filteredItems, ctx);
    if (!built) {
      ctx.log.info("syslog: the event has no attributes to send");
      return;
    }
    const resolve = ctx.http.resolveAllowed?.bind(ctx.http);
    if (!resolve) throw new ModuleError("the receiver cannot be checked against the egress policy; not sent");
    try {
      await sendSyslog(built.messages, {
        transport,
        host: host.replace(/^\[|\]$/g, ""),
        port,
        framing: params.framing,
        verifyTls: params.verify_tls,
        ca: ca || undefined,
        resolve,
        signal: ctx.signal,
        // Leaves time to report our own reason before the core's deadline answers.
        connectTimeoutMs: Math.max(1, Math.min(CONNECT_TIMEOUT_MS, ctx.deadline - Date.now() - 500)),
      });
    } catch (e) {
      // Syslog is not HTTP: say whether trying later may help (docs/delivery.md, "Retries").
      if (e instanceof SyslogSendError) throw new ModuleError(`${transport}://${host}:${port}: ${e.message}`, { retryable: e.retryable });
      if (isHttpError(e))
        throw new ModuleError(`${transport}://${host}:${port}: ${e.message}`, {
          retryable: e.kind === "network" || e.kind === "timeout",
        });
      throw e;
    }
    ctx.log.info(
      { messages: built.messages.length, records: records.length, truncated: built.truncated, split: built.split, transport },
      "sent to syslog",
    );
  },
});
