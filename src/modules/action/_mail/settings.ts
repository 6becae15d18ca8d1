// Where the SMTP connection settings come from: the node's parameters when set, else the
// server's configuration (modules.mail.<key> / MISP_MODULES_MAIL_<KEY>), else defaults.
// Server-side credentials are only used for the server-side relay, so a workflow that
// names another host cannot make us hand the configured password to it.

import { type ServerSettingValues, serverSetting } from "../../../sdk/server-settings.js";

export type SmtpSecurity = "starttls" | "tls" | "none";

export const SECURITY_CHOICES = ["starttls", "tls", "none"] as const;

/** The relay the server offers (docs/writing-modules.md#server-settings); the node's parameters win. */
export const MAIL_SERVER_SETTINGS = {
  smtp_host: serverSetting.text({ description: "The server's SMTP relay, used when the node leaves smtp_host empty." }),
  smtp_port: serverSetting.integer({
    min: 1,
    max: 65535,
    description: "Port of the relay. Default: from the security mode (587, 465, 25).",
  }),
  smtp_security: serverSetting.oneOf(SECURITY_CHOICES, { description: "starttls, tls or none. Default: starttls." }),
  smtp_username: serverSetting.text({ trim: false, description: "AUTH user for the server's relay (never sent to another host)." }),
  smtp_password: serverSetting.secret({ description: "AUTH password for the server's relay (never sent to another host)." }),
  verify_tls: serverSetting.boolean({ description: "Verify the relay's certificate. Default: true." }),
  mail_from: serverSetting.text({ description: "Sender address when the node leaves mail_from empty." }),
  max_recipients: serverSetting.integer({ min: 1, default: 50, description: "Recipients (To and Cc together) of one mail at most." }),
};

export type MailServerSettings = ServerSettingValues<typeof MAIL_SERVER_SETTINGS>;
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

export function resolveSmtpSettings(node: NodeSmtpValues, server: Partial<MailServerSettings>): SmtpSettings {
  const serverHost = server.smtp_host;
  const host = node.host ?? serverHost;
  if (!host)
    throw new SmtpSettingsError(
      "no SMTP relay: set smtp_host in the node or the server setting modules.mail.smtp_host (MISP_MODULES_MAIL_SMTP_HOST)",
    );

  const security = node.security ?? server.smtp_security ?? "starttls";
  const port = node.port ?? server.smtp_port ?? DEFAULT_PORTS[security];
  const verifyTls = node.verifyTls ?? server.verify_tls ?? true;

  // The configured credentials belong to the configured relay only.
  const sameRelay = node.host === undefined || (serverHost !== undefined && node.host.toLowerCase() === serverHost.toLowerCase());
  let username = node.username;
  let password = node.password;
  let serverCredentials = false;
  if (username === undefined && password === undefined && sameRelay) {
    username = server.smtp_username;
    password = server.smtp_password;
    serverCredentials = username !== undefined;
  }
  if (password !== undefined && username === undefined) throw new SmtpSettingsError("smtp_password is set but smtp_username is not");

  const from = node.from ?? server.mail_from;
  if (!from)
    throw new SmtpSettingsError(
      "no sender: set mail_from in the node or the server setting modules.mail.mail_from (MISP_MODULES_MAIL_MAIL_FROM)",
    );

  return { host, port, security, username, password, verifyTls, from, serverCredentials };
}
