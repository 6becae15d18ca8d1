// Where the SMTP connection settings come from: the node's parameters when set, else the
// server's configuration (modules.mail.<key> / MISP_MODULES_MAIL_<KEY>), else defaults.
// Server-side credentials are only used for the server-side relay, so a workflow that
// names another host cannot make us hand the configured password to it.

export type SmtpSecurity = "starttls" | "tls" | "none";

export const SECURITY_CHOICES = ["starttls", "tls", "none"] as const;
const DEFAULT_PORTS: Readonly<Record<SmtpSecurity, number>> = { starttls: 587, tls: 465, none: 25 };

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  username?: string;
  password?: string;
  verifyTls: boolean;
  from: string;
  /** Whether username/password came from the server configuration. */
  serverCredentials: boolean;
}

/** Node values already parsed; `undefined` for a parameter left empty in the node. */
export interface NodeSmtpValues {
  host?: string;
  port?: number;
  security?: SmtpSecurity;
  username?: string;
  password?: string;
  verifyTls?: boolean;
  from?: string;
}

export class SmtpSettingsError extends Error {}

const TRUE_WORDS = /^(1|true|yes|on)$/i;
const FALSE_WORDS = /^(0|false|no|off)$/i;

export function resolveSmtpSettings(node: NodeSmtpValues, setting: (key: string) => string | undefined): SmtpSettings {
  const serverHost = setting("smtp_host")?.trim();
  const host = node.host ?? serverHost;
  if (!host)
    throw new SmtpSettingsError(
      "no SMTP relay: set smtp_host in the node or the server setting modules.mail.smtp_host (MISP_MODULES_MAIL_SMTP_HOST)",
    );

  let security = node.security;
  if (security === undefined) {
    const s = setting("smtp_security")?.trim().toLowerCase();
    if (s !== undefined && !(SECURITY_CHOICES as readonly string[]).includes(s)) {
      throw new SmtpSettingsError(`server setting smtp_security must be one of ${SECURITY_CHOICES.join(", ")}`);
    }
    security = (s as SmtpSecurity | undefined) ?? "starttls";
  }

  let port = node.port;
  if (port === undefined) {
    const p = setting("smtp_port")?.trim();
    if (p !== undefined) {
      if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)
        throw new SmtpSettingsError("server setting smtp_port must be a port number");
      port = Number(p);
    }
  }
  port ??= DEFAULT_PORTS[security];

  let verifyTls = node.verifyTls;
  if (verifyTls === undefined) {
    const v = setting("verify_tls")?.trim();
    if (v !== undefined && !TRUE_WORDS.test(v) && !FALSE_WORDS.test(v))
      throw new SmtpSettingsError("server setting verify_tls must be true or false");
    verifyTls = v === undefined ? true : TRUE_WORDS.test(v);
  }

  // The configured credentials belong to the configured relay only.
  const sameRelay = node.host === undefined || (serverHost !== undefined && node.host.toLowerCase() === serverHost.toLowerCase());
  let username = node.username;
  let password = node.password;
  let serverCredentials = false;
  if (username === undefined && password === undefined && sameRelay) {
    username = setting("smtp_username");
    password = setting("smtp_password");
    serverCredentials = username !== undefined;
  }
  if (password !== undefined && username === undefined) throw new SmtpSettingsError("smtp_password is set but smtp_username is not");

  const from = node.from ?? setting("mail_from")?.trim();
  if (!from)
    throw new SmtpSettingsError(
      "no sender: set mail_from in the node or the server setting modules.mail.mail_from (MISP_MODULES_MAIL_MAIL_FROM)",
    );

  return { host, port, security, username, password, verifyTls, from, serverCredentials };
}
