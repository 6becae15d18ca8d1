import { readFileSync } from "node:fs";
import type { Config } from "../config.js";

// HTTPS for the main listener (docs/operations.md, "TLS"). With a client CA, the handshake
// itself refuses clients without a certificate it signed: no request of theirs is ever parsed.

export interface TlsServerOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  minVersion: "TLSv1.2";
}

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the TLS ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Options for https.createServer, or undefined when TLS is not configured. */
export function tlsServerOptions(tls: Config["tls"]): TlsServerOptions | undefined {
  if (!tls) return undefined;
  const ca = tls.ca ? readPem("client CA", tls.ca) : undefined;
  return {
    cert: readPem("certificate", tls.cert),
    key: readPem("key", tls.key),
    ...(ca ? { ca } : {}),
    requestCert: ca !== undefined,
    rejectUnauthorized: ca !== undefined,
    minVersion: "TLSv1.2",
  };
}
