import type { FastifyServerOptions } from "fastify";

// Structured JSON logs (pino). Request bodies are never logged at info level; values of
// secret-looking keys are redacted wherever they appear in a logged object.

const SECRET_KEYS = ["token", "secret", "password", "passwd", "key", "auth", "authorization", "apikey", "api_key", "hec_token", "bot_token", "bot_access_token", "slack_bot_token", "app_access_token", "smtp_password", "bot_secret", "webhook_url"];

export const REDACT_PATHS = [
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `params.${k}`),
  ...SECRET_KEYS.map((k) => `*.params.${k}`),
  "req.headers.authorization",
];

export function loggerOptions(debug: boolean, quiet = false): FastifyServerOptions["logger"] {
  return {
    level: quiet ? "silent" : debug ? "debug" : "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { name: "misp-modules-ts" },
  };
}
