import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import { resolveAllowed as resolveWithDefaultPolicy } from "../../services/http/egress-guard.js";
import { invalidAddresses, isValidAddress, uniqueAddresses } from "./_mail/addresses.js";
import { composeMail } from "./_mail/message.js";
import { MAIL_SERVER_SETTINGS, resolveSmtpSettings, SmtpSettingsError, type SmtpSettings } from "./_mail/settings.js";
import { sendViaSmtp, SmtpFailure, type ResolveAllowed } from "./_mail/smtp-send.js";
import { cleanSubject, defaultSubject } from "./_mail/subject.js";
import { eventSummary } from "../shared/messages/summary.js";

// E-mail through an SMTP relay to any address (docs/modules.md#mail). MISP's built-in send-mail
// only reaches MISP users and reports success whatever happened; this one succeeds only
// when the relay accepted the message for at least one recipient.

const CONNECT_TIMEOUT_MS = 8000;
/** The default body is short for an event; this bounds the JSON dump of other data. */
const SUMMARY_MAX_LENGTH = 20_000;

export default defineActionModule({
  meta: {
    description: "Send an e-mail through an SMTP relay (to any address), with the event summary or a Jinja-rendered subject and body.",
    name: "Mail (SMTP)",
    version: "1.0",
    features:
      "STARTTLS (required) or implicit TLS, AUTH, text or HTML bodies (with a derived text part), Cc, address validation, " +
      "server-side defaults for the relay and credentials. Fails unless the relay accepted the message.",
    requirements: ["An SMTP relay reachable from the misp-modules-ts server."],
    input: "Roaming data of any trigger; subject and body templates are rendered by MISP.",
    output: "An e-mail.",
  },
  icon: { name: "envelope", class: "fas" },
  params: {
    recipients: param.list({
      required: true,
      placeholder: "soc@example.org, cert@example.org",
      description: "To addresses (plain addresses, no display names), separated by commas, semicolons or line breaks.",
    }),
    cc: param.list({ description: "Cc addresses. Default: none." }),
    mail_from: param.string({ description: "From address. Default: the server setting mail_from." }),
    mail_template_subject: param.template({
      multiline: false,
      description: "Subject. Default: [MISP] <event info>, or 'MISP workflow notification' without an event.",
    }),
    mail_template_body: param.template({
      description: "Body (text, or HTML with body_format html: escape event values with | e). Default: the event summary.",
    }),
    body_format: param.oneOf(["text", "html"], { default: "text", placeholder: "text" }),
    smtp_host: param.string({ description: "SMTP relay host. Default: the server setting smtp_host." }),
    smtp_port: param.integer({
      min: 1,
      max: 65535,
      description: "Relay port. Default: the server setting, else 587 (starttls), 465 (tls) or 25 (none).",
    }),
    smtp_security: param.oneOf(["starttls", "tls", "none"], {
      default: "starttls",
      placeholder: "starttls",
      description:
        "starttls: plain connection upgraded with STARTTLS (required); tls: implicit TLS; none: no encryption. Default: the server setting, else starttls.",
    }),
    smtp_username: param.string({
      description: "AUTH user (AUTH only when set). Default: the server setting smtp_username (used only with the server's relay).",
    }),
    smtp_password: param.secret({
      description: "AUTH password. Default: the server setting smtp_password (used only with the server's relay).",
    }),
    verify_tls: param.boolean({ default: true, description: "Verify the relay's certificate. Default: the server setting, else true." }),
  },
  serverSettings: MAIL_SERVER_SETTINGS,
  outbound: { destination: () => "smtp" },
  async handler({ params, rawParams, data }, ctx) {
    // Left empty by the node (then the server setting applies, not our default): the value as
    // MISP sent it, which the runtime keeps in rawParams.
    const unset = (name: string) => (rawParams[name] ?? "").trim() === "";
    let settings: SmtpSettings;
    try {
      settings = resolveSmtpSettings(
        {
          host: unset("smtp_host") ? undefined : params.smtp_host.trim(),
          port: params.smtp_port,
          security: unset("smtp_security") ? undefined : params.smtp_security,
          username: unset("smtp_username") ? undefined : params.smtp_username.trim(),
          password: params.smtp_password === "" ? undefined : params.smtp_password,
          verifyTls: unset("verify_tls") ? undefined : params.verify_tls,
          from: unset("mail_from") ? undefined : params.mail_from.trim(),
        },
        ctx.settings,
      );
    } catch (e) {
      if (e instanceof SmtpSettingsError) throw new ModuleError(e.message);
      throw e;
    }
    if (!isValidAddress(settings.from)) {
      if (unset("mail_from")) throw new ModuleError(`server setting mail_from is not a valid address: ${JSON.stringify(settings.from)}`);
      throw new ParamError("mail_from", `invalid address ${JSON.stringify(settings.from)}`);
    }

    const to = uniqueAddresses(params.recipients);
    const toKeys = new Set(to.map((a) => a.toLowerCase()));
    const cc = uniqueAddresses(params.cc).filter((a) => !toKeys.has(a.toLowerCase()));
    if (to.length === 0) throw new ParamError("recipients", "is required");
    for (const [name, list] of [
      ["recipients", to],
      ["cc", cc],
    ] as const) {
      const bad = invalidAddresses(list);
      if (bad.length > 0)
        throw new ParamError(name, `invalid address${bad.length > 1 ? "es" : ""} ${bad.map((a) => JSON.stringify(a)).join(", ")}`);
    }
    const limit = ctx.settings.max_recipients;
    if (to.length + cc.length > limit) throw new ModuleError(`too many recipients: ${to.length + cc.length} (at most ${limit})`);

    const templatedBody = params.mail_template_body.trim() !== "";
    const mail = composeMail({
      from: settings.from,
      to,
      cc,
      subject: cleanSubject(params.mail_template_subject) || cleanSubject(defaultSubject(data)),
      body: templatedBody ? params.mail_template_body : eventSummary(data, { maxLength: SUMMARY_MAX_LENGTH }),
      format: params.body_format,
      bodyIsPlainSummary: !templatedBody,
    });

    if (settings.security === "none" && settings.username !== undefined)
      ctx.log.warn("mail: AUTH over an unencrypted connection (smtp_security none)");
    let resolve: ResolveAllowed;
    if (ctx.http.resolveAllowed) resolve = ctx.http.resolveAllowed.bind(ctx.http);
    else {
      ctx.log.warn("mail: the HTTP client offers no resolveAllowed; checking the relay with the default egress policy");
      resolve = (host, port) => resolveWithDefaultPolicy(host, port);
    }

    let outcome;
    try {
      outcome = await sendViaSmtp(settings, mail, {
        resolve,
        signal: ctx.signal,
        timeoutMs: Math.max(1, Math.min(CONNECT_TIMEOUT_MS, ctx.deadline - Date.now())),
      });
    } catch (e) {
      if (e instanceof SmtpFailure) throw new ModuleError(e.message, { retryable: e.retryable });
      // The egress guard's refusal (duck-typed: module code does not share the core's classes).
      if (e instanceof Error && e.name === "HttpError") throw new ModuleError(`SMTP relay ${settings.host}:${settings.port}: ${e.message}`);
      throw e;
    }
    if (outcome.rejected.length > 0) {
      ctx.log.warn({ rejected: outcome.rejected, accepted: outcome.accepted.length }, "mail: the relay rejected some recipients");
    }
    ctx.log.info(
      {
        messageId: outcome.messageId,
        accepted: outcome.accepted.length,
        relay: `${settings.host}:${settings.port}`,
        response: outcome.response,
      },
      "mail sent",
    );
  },
});
