// Stream framing for syslog over TCP/TLS (RFC 6587 §3.4, RFC 5425 §4.3): octet counting
// `MSG-LEN SP SYSLOG-MSG`, or the message followed by LF (non-transparent framing).

export type Framing = "octet-counting" | "lf";

export function frame(message: Buffer, framing: Framing): Buffer {
  if (framing === "lf") return Buffer.concat([message, Buffer.from("\n")]);
  return Buffer.concat([Buffer.from(`${message.length} `), message]);
}
