// Turning low-level failures (Node socket errors, undici errors, TLS errors) into
// HttpError kinds with short messages that name only the host, never the path or query
// (which may carry tokens), and remembering which failures are worth retrying.

import { HttpError } from "./types.js";

// Failures that may succeed when the request is sent again (the server or network
// refused or dropped the connection, or DNS had a temporary problem).
const retryable = new WeakSet<HttpError>();

export function markRetryable(err: HttpError): HttpError {
  retryable.add(err);
  return err;
}

export function isRetryable(err: HttpError): boolean {
  return retryable.has(err);
}

const TLS_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_TLS_HANDSHAKE_TIMEOUT",
  "HOSTNAME_MISMATCH",
  "UND_ERR_PRX_TLS",
]);

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
  EAI_AGAIN: "temporary DNS failure",
};

interface Cause {
  code?: string;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** The most specific error code in an error chain (AggregateError, `cause`). */
function findCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 4) return undefined;
  const e = err as Cause;
  if (typeof e.code === "string" && e.code !== "UND_ERR" && e.code !== "ERR_SSL_") return e.code;
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const c = findCode(inner, depth + 1);
    if (c) return c;
  }
  return undefined;
}

/**
 * Maps an error thrown while sending a request to an HttpError. `where` is the host and
 * port ("chat.example.org:443") used in the message; abort/timeout are decided by the
 * caller, which knows which signal fired.
 */
export function toHttpError(err: unknown, where: string): HttpError {
  if (err instanceof HttpError) return err;
  const code = findCode(err) ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (TLS_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("CERT_") || /certificate|ssl|tls/i.test(code)) {
    return new HttpError("tls", `TLS error with ${where}: ${tlsReason(code, message)}`);
  }
  if (code === "ENOTFOUND") return new HttpError("network", `cannot resolve ${where}`);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new HttpError("timeout", `could not connect to ${where} in time`);
  if (code in CONNECTION_CODES) return markRetryable(new HttpError("network", `${CONNECTION_CODES[code]} (${where})`));
  if (code === "UND_ERR_ABORTED" && /Proxy response \((\d+)\)/.test(message)) {
    const status = /Proxy response \((\d+)\)/.exec(message)?.[1];
    return new HttpError("network", `tunnel to ${where} refused by the proxy (HTTP ${status})`);
  }
  // Caller mistakes (e.g. a header value with a line break); undici's text names no value.
  if (code === "UND_ERR_INVALID_ARG" && !/proxy/i.test(message)) {
    return new HttpError("network", `request to ${where} not sent: ${message}`);
  }
  if (/Proxy Authentication Required/i.test(message)) {
    return new HttpError("network", `request to ${where} refused by the proxy (HTTP 407, authentication required)`);
  }
  if (code.startsWith("HPE_") || code === "UND_ERR_HEADERS_OVERFLOW" || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH") {
    return new HttpError("network", `invalid HTTP response from ${where}`);
  }
  return new HttpError("network", `request to ${where} failed: ${code || message}`);
}

function tlsReason(code: string, message: string): string {
  switch (code) {
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
      return "self-signed certificate (disable verification or add the CA)";
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return "certificate issuer is not trusted (add the CA bundle)";
    case "CERT_HAS_EXPIRED":
      return "certificate has expired";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return "certificate does not match the host name";
    default:
      return code || message;
  }
}

/** Adds the attempt count to a final error ("... after 3 attempts"). */
export function withAttempts(err: HttpError, attempts: number): HttpError {
  if (attempts <= 1) return err;
  return new HttpError(err.kind, `${err.message} after ${attempts} attempts`, attempts);
}
