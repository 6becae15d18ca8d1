// An undici connector that runs every new connection through the egress guard and then
// connects to the checked address itself, keeping the original host name for TLS (SNI
// and certificate verification) and for the Host header. Redirect hops and reconnects
// therefore get checked too, and no second DNS lookup can swap the address.

import { isIP } from "node:net";
import type { buildConnector } from "undici";
import { undici } from "./undici-module.js";
import type { EgressGuard } from "./egress-guard.js";
import type { ResolvedAddress } from "./types.js";

// Errors after which the next resolved address is worth a try (nothing was sent).
const TRY_NEXT_ADDRESS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"]);

export function guardedConnector(guard: EgressGuard, tls: buildConnector.BuildOptions): buildConnector.connector {
  const connect = undici().buildConnector(tls);
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === "https:" ? 443 : 80);
    guard.resolveAll(opts.hostname, port).then(
      (addresses) => connectInTurn(addresses, 0),
      (err: Error) => callback(err, null),
    );

    function connectInTurn(addresses: ResolvedAddress[], index: number): void {
      const servername = opts.servername || (isIP(opts.hostname) ? undefined : opts.hostname);
      connect({ ...opts, hostname: addresses[index].address, servername }, (...result) => {
        const [err] = result;
        const code = (err as { code?: string } | null)?.code;
        if (err && code && TRY_NEXT_ADDRESS.has(code) && index + 1 < addresses.length) {
          connectInTurn(addresses, index + 1);
          return;
        }
        callback(...result);
      });
    }
  };
}
