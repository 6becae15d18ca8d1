// Credentials for Elasticsearch/OpenSearch, added at send time only (never part of a
// prepared request): API key, basic auth or a bearer token, at most one of them.

export type EsAuth =
  | { kind: "none" }
  | { kind: "api_key"; key: string }
  | { kind: "basic"; username: string; password: string }
  | { kind: "bearer"; token: string };

/**
 * The Authorization header. An API key may be the `encoded` value Elasticsearch returns
 * or `id:api_key`, which is encoded here.
 */
export function authorizationHeader(auth: EsAuth): string | undefined {
  switch (auth.kind) {
    case "none":
      return undefined;
    case "api_key":
      return `ApiKey ${auth.key.includes(":") ? Buffer.from(auth.key, "utf8").toString("base64") : auth.key}`;
    case "basic":
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
    case "bearer":
      return `Bearer ${auth.token}`;
  }
}

/** Values to scrub from messages, encoded forms included. */
export function authSecrets(auth: EsAuth): string[] {
  const header = authorizationHeader(auth);
  const out = header ? [header.slice(header.indexOf(" ") + 1)] : [];
  if (auth.kind === "api_key") out.push(auth.key);
  if (auth.kind === "basic") out.push(auth.password);
  if (auth.kind === "bearer") out.push(auth.token);
  return out.filter((s) => s.length >= 4);
}
