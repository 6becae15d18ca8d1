// OAuth2 client-credentials tokens for the Sentinel upload API, cached until shortly before
// they expire (docs/actions-siem.md#sentinel). The cache key includes a hash of the secret,
// never the secret itself.

import { createHash } from "node:crypto";
import type { HttpClient } from "../../../services/http/types.js";
import { describeFailure, jsonBody } from "../../shared/messages/http-failure.js";

export interface ClientCredentials {
  /** e.g. https://login.microsoftonline.com */
  loginUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  verifyTls: boolean;
  ca?: string;
}

export class TokenError extends Error {}

/** A token is renewed this long before it expires. */
const EARLY_RENEWAL_MS = 60_000;
const MAX_CACHED = 64;

interface Cached {
  token: string;
  expiresAt: number;
}

export class TokenCache {
  private readonly tokens = new Map<string, Cached>();
  /** Token requests made (tests and logs). */
  fetched = 0;

  private key(c: ClientCredentials): string {
    return [c.loginUrl, c.tenantId, c.clientId, c.scope, createHash("sha256").update(c.clientSecret).digest("hex")].join("\n");
  }

  forget(c: ClientCredentials): void {
    this.tokens.delete(this.key(c));
  }

  async get(http: HttpClient, c: ClientCredentials, now: () => number = Date.now): Promise<string> {
    const key = this.key(c);
    const hit = this.tokens.get(key);
    if (hit && hit.expiresAt - EARLY_RENEWAL_MS > now()) return hit.token;
    const url = new URL(c.loginUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: c.scope,
    }).toString();
    this.fetched++;
    const res = await http.request(url.toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      verifyTls: c.verifyTls,
      ca: c.ca,
      secrets: [c.clientSecret],
    });
    const reply = jsonBody(res) as
      | { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
      | undefined;
    if (res.status !== 200 || typeof reply?.access_token !== "string") {
      const detail =
        typeof reply?.error === "string"
          ? `${reply.error}${typeof reply.error_description === "string" ? `: ${reply.error_description.split(/\r?\n/)[0]}` : ""}`
          : undefined;
      throw new TokenError(`token request failed: ${describeFailure(res, { detail, secrets: [c.clientSecret] })}`);
    }
    const seconds = typeof reply.expires_in === "number" ? reply.expires_in : Number(reply.expires_in ?? 3599);
    const token = reply.access_token;
    if (this.tokens.size >= MAX_CACHED) this.tokens.delete(this.tokens.keys().next().value as string);
    this.tokens.set(key, { token, expiresAt: now() + (Number.isFinite(seconds) ? seconds : 3599) * 1000 });
    return token;
  }
}
