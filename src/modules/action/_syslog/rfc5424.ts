// RFC 5424 message text (docs/actions-siem.md#syslog): header fields restricted to printable
// US-ASCII within their lengths, structured data with PARAM-VALUE escaping, MSG as UTF-8.

export const FACILITIES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "ntp",
  "audit",
  "alert",
  "clock",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
] as const;
export type Facility = (typeof FACILITIES)[number];

export const SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SdElement {
  id: string;
  params: ReadonlyArray<readonly [name: string, value: string]>;
}

export interface SyslogHeader {
  facility: Facility;
  severity: Severity;
  /** ms since the epoch. */
  time: number;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
}

/** `<PRI>`: facility × 8 + severity. */
export function pri(facility: Facility, severity: Severity): number {
  return FACILITIES.indexOf(facility) * 8 + SEVERITIES.indexOf(severity);
}

/** A header field: printable US-ASCII (33–126) only, at most `max` characters; "" becomes the NILVALUE "-". */
export function headerField(value: string, max: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, "").slice(0, max);
  return cleaned === "" ? "-" : cleaned;
}

/** An SD-NAME (SD-ID or PARAM-NAME): 1–32 printable US-ASCII except `=`, space, `]` and `"`. */
export function isSdName(name: string): boolean {
  return /^[\x21-\x7e]{1,32}$/.test(name) && !/[= \]"]/.test(name);
}

/**
 * A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 §6.3.3). Control
 * characters become spaces, so no message ever contains a line break (LF framing).
 */
export function escapeSdValue(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]/g, " ").replace(/["\\\]]/g, (c) => `\\${c}`);
}

export function formatSd(elements: readonly SdElement[]): string {
  if (elements.length === 0) return "-";
  return elements.map((e) => `[${e.id}${e.params.map(([n, v]) => ` ${n}="${escapeSdValue(v)}"`).join("")}]`).join("");
}

/** RFC 3339 timestamp in UTC with milliseconds. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID` (no trailing space). */
export function formatHeader(h: SyslogHeader): string {
  return `<${pri(h.facility, h.severity)}>1 ${timestamp(h.time)} ${headerField(h.hostname, 255)} ${headerField(h.appName, 48)} ${headerField(h.procId, 128)} ${headerField(h.msgId, 32)}`;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** HEADER SP STRUCTURED-DATA [SP [BOM] MSG], as bytes. */
export function formatMessage(header: string, sd: string, msg: string, bom: boolean): Buffer {
  const head = Buffer.from(`${header} ${sd}`, "utf8");
  if (msg === "") return head;
  return Buffer.concat([head, Buffer.from(" "), bom ? BOM : Buffer.alloc(0), Buffer.from(msg, "utf8")]);
}
