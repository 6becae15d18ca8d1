// Every error text the server itself puts in a reply's `error` field, in one place (code, HTTP
// status, text), so the docs (docs/errors.md, checked by test/core/protocol/errors.test.ts) and
// the tests quote one source. A module's own messages are not here: they are the module's.
//
// Status 200 is deliberate for everything about running a module: MISP reads `error` only from a
// 200 reply, and takes a 500 from /query as success for a blocking guard (docs/protocol.md).

type Text = (...args: never[]) => string;

interface Entry<T extends Text> {
  /** HTTP status the reply carries. */
  status: number;
  /** When the server answers with this error. */
  when: string;
  text: T;
}

function entry<T extends Text>(status: number, when: string, text: T): Entry<T> {
  return { status, when, text };
}

export const PROTOCOL_ERRORS = {
  // ---- Malformed requests (non-200).
  BODY_NOT_JSON: entry(400, "the body is not JSON", (detail: string) => `body is not valid JSON: ${detail}`),
  BODY_MISSING: entry(400, "the body is empty", () => 'invalid query: the body must be a JSON object with a "module" field'),
  BODY_NOT_OBJECT: entry(
    400,
    "the body is JSON but not an object",
    (what: string) => `invalid query: the body must be a JSON object, not ${what}`,
  ),
  MODULE_FIELD_MISSING: entry(400, 'the body has no "module" field', () => 'invalid query: missing "module" field'),
  INVALID_QUERY: entry(400, "a field of the body has the wrong type", (detail: string) => `invalid query: ${detail}`),
  BODY_TOO_LARGE: entry(
    413,
    "the body is larger than `bodyLimit`",
    (limit: number) => `request body larger than the limit of ${limit} bytes`,
  ),
  BODY_TIMEOUT: entry(
    408,
    "the body did not arrive within `server.bodyTimeoutMs`",
    (ms: number) => `request body not received in full within ${ms} ms`,
  ),
  BODY_STALLED: entry(
    408,
    "nothing arrived for `server.bodyIdleTimeoutMs`",
    (ms: number) => `request body stalled: nothing received for ${ms} ms`,
  ),
  BODY_EVICTED: entry(
    408,
    "a stalled body was cut to admit a connection at the limit",
    () => "request body stalled: cut to make room at the connection limit",
  ),
  BODY_LENGTH_MISMATCH: entry(400, "fewer or more bytes than Content-Length", () => "request body size did not match Content-Length"),
  BODY_NOT_RECEIVED: entry(400, "the connection failed while the body arrived", (detail: string) => `request body not received: ${detail}`),
  BODY_CLIENT_CLOSED: entry(
    400,
    "the client closed the connection before the body arrived",
    () => "request body not received: the client closed the connection",
  ),
  SERVER_BUSY: entry(
    503,
    "bodies in progress hold the whole `server.pendingBodyBytes` budget (with `Retry-After: 5`)",
    (held: number, bytes: number, limit: number) =>
      `server busy: request bodies in progress hold ${held} bytes and this one (${bytes} bytes) would exceed the limit of ${limit} bytes for large bodies; retry later`,
  ),
  NOT_FOUND: entry(404, "no such endpoint", (method: string, url: string) => `not found: ${method} ${url}`),
  METHOD_NOT_ALLOWED: entry(
    405,
    "a method the endpoint does not take (with `Allow`)",
    (methods: string) => `method not allowed; use ${methods}`,
  ),
  INTERNAL: entry(500, "an unexpected server failure (200 on `/query`)", () => "internal server error"),

  // ---- Running a module (HTTP 200; an action's text is prefixed with `<module>: `).
  UNKNOWN_MODULE: entry(200, "no module has that name", (name: string) => `Unknown module: ${name}`),
  MODULE_UNAVAILABLE: entry(
    200,
    "the module's initialisation failed",
    (why: string) => `module is unavailable: initialisation failed (${why})`,
  ),
  TIMEOUT: entry(
    200,
    "the module did not answer within its deadline",
    (module: string, ms: number) => `Timeout. ${module} did not finish within its deadline of ${ms} ms`,
  ),
  ISOLATE_TIMEOUT: entry(
    200,
    "an isolated module did not answer within its deadline and its isolate was restarted",
    (module: string, ms: number) =>
      `Timeout. ${module} did not finish within its deadline of ${ms} ms; its isolate did not answer and was restarted`,
  ),
  ISOLATE_STOPPED: entry(
    200,
    "an isolated module's worker stopped during the query",
    (reason: string) => `the module's isolate stopped before this query finished: ${reason}`,
  ),
  ISOLATE_BAD_REQUEST: entry(
    200,
    "the isolate could not read the request",
    (detail: string) => `internal error: the request could not be read in the module's isolate (${detail})`,
  ),
  ISOLATE_REPLY_NOT_JSON: entry(
    200,
    "an isolated module's reply cannot be sent as JSON",
    () => "internal error: the module's reply is not JSON-serialisable",
  ),
  SHUTDOWN: entry(
    200,
    "the server shut down before the query finished within the shutdown grace",
    (graceMs: number) => `the server is shutting down and the query did not finish within the shutdown grace of ${graceMs} ms`,
  ),
  QUERY_STOPPED: entry(200, "the query was stopped without a reason (a shutdown gives its own)", () => "the query was stopped"),
  MODULE_CRASHED: entry(
    200,
    "the module threw something other than a module or HTTP error",
    (detail: string) => `internal error: ${detail}`,
  ),
  UNINSPECTABLE_THROW: entry(
    200,
    "the module threw a value that cannot even be described",
    () => "internal error: the module threw a value that cannot be inspected",
  ),
  NO_REPLY_OBJECT: entry(200, "an expansion returned no object (reported as MODULE_CRASHED)", () => "the module returned no reply object"),
  BAD_ERROR_FIELD: entry(
    200,
    "an expansion returned an `error` that is not a non-empty string (reported as MODULE_CRASHED)",
    () => "the module returned an error that is not a non-empty string",
  ),
  REPLY_NOT_ENCODABLE: entry(
    200,
    "the module's reply cannot be encoded as JSON",
    (why: string) => `internal error: the module's reply cannot be encoded as JSON (${why})`,
  ),
  REPLY_UNENCODABLE: entry(200, "even the error reply cannot be encoded", () => "internal error: the reply could not be encoded as JSON"),
  QUEUE_FAILED: entry(200, "the outbox refused or failed to store a delivery", (detail: string) => `cannot queue the delivery: ${detail}`),
  QUEUE_TIMEOUT: entry(
    200,
    "the outbox did not store a delivery within the query's deadline",
    (ms: number) => `the outbox did not store the delivery within ${ms} ms`,
  ),
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

/** The text of a catalogued error. */
export function errorText<C extends ProtocolErrorCode>(code: C, ...args: Parameters<(typeof PROTOCOL_ERRORS)[C]["text"]>): string {
  return (PROTOCOL_ERRORS[code].text as (...a: unknown[]) => string)(...args);
}

/** An Error carrying a catalogued text, its code and its HTTP status (Fastify reads `statusCode`). */
export function protocolError<C extends ProtocolErrorCode>(
  code: C,
  ...args: Parameters<(typeof PROTOCOL_ERRORS)[C]["text"]>
): Error & { statusCode: number; code: C } {
  return Object.assign(new Error(errorText(code, ...args)), { statusCode: PROTOCOL_ERRORS[code].status, code });
}

/** The catalogue as a Markdown table (docs/errors.md holds it; a test keeps the two equal). */
export function errorCatalogueMarkdown(): string {
  const rows = Object.entries(PROTOCOL_ERRORS).map(([code, e]) => {
    // Placeholders named after the text function's parameters: `<module>`, `<ms>`...
    const names = /^\(?([\w\s,]*?)\)?\s*=>/.exec(e.text.toString())?.[1] ?? "";
    const args = names
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)
      .map((n) => `<${n}>`);
    const text = (e.text as (...a: string[]) => string)(...args);
    return `| \`${code}\` | ${e.status} | ${e.when} | \`${text}\` |`;
  });
  return ["| Code | HTTP status | When | Text |", "| --- | --- | --- | --- |", ...rows].join("\n");
}
