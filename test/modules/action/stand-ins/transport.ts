import { closedPort, HANG, startStandIn, type Handler } from "../../../helpers/stand-in.js";
import type { TestApp } from "../../../helpers/app.js";

// The three failures without an HTTP answer, for any module whose target URL is a parameter:
// a server that never answers, a self-signed certificate, nothing listening.

export interface TransportErrors {
  hang: string;
  selfSigned: string;
  /** Requests the TLS stand-in received (none: the handshake is refused first). */
  selfSignedRequests: number;
  refused: string;
}

export async function transportErrors(app: TestApp, request: (baseUrl: string) => unknown, handler: Handler): Promise<TransportErrors> {
  const hanging = await startStandIn({ handler: () => HANG });
  const tls = await startStandIn({ tls: true, handler });
  try {
    const hang = (await app.query(request(hanging.url))).body.error as string;
    const selfSigned = (await app.query(request(tls.url))).body.error as string;
    const refused = (await app.query(request(`http://127.0.0.1:${await closedPort()}`))).body.error as string;
    return { hang, selfSigned, selfSignedRequests: tls.requests.length, refused };
  } finally {
    await hanging.close();
    await tls.close();
  }
}
