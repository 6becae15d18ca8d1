import { Worker } from "node:worker_threads";
import type { RawPost } from "./receiver.js";
import { parseAllowFrom } from "../core/inbound/allow-from.js";
import { parseHostPort } from "../core/config.js";

// MISP's debug posts on a listener of their own (`--debug-listen`), served by a thread of its
// own: it reads each post and answers 200 at once, whatever the server's event loop is doing
// (a /query burst, a large body), then hands the bytes over to the receiver's queue. MISP
// aborts a workflow when its debug receiver does not answer (docs/console.md, "Debug receiver").

// Plain JavaScript, evaluated: the thread needs nothing but node:http and starts in milliseconds.
const LISTENER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:http");
const { host, port, bodyLimit, allow } = workerData;
const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  const answer = () => {
    if (res.headersSent) return;
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": "3", connection: "close" });
    res.end("ok\\n");
  };
  req.on("data", (c) => {
    size += c.length;
    if (size <= bodyLimit) chunks.push(c);
  });
  req.on("end", () => {
    answer();
    if (req.method !== "POST") return;
    const body = size > bodyLimit ? new Uint8Array(0) : new Uint8Array(Buffer.concat(chunks));
    parentPort.postMessage({ url: req.url || "/", body, receivedAt: Date.now(), contentType: req.headers["content-type"] }, [body.buffer]);
  });
  req.on("error", answer);
});
// allowFrom applies here too (docs/operations.md, "Allow-from"): cut before any byte is read.
if (allow) server.prependListener("connection", (s) => {
  const a = s.remoteAddress || "";
  const m = /^::ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$/i.exec(a);
  if (m ? allow.check(m[1], "ipv4") || allow.check(a, "ipv6") : a && allow.check(a, a.includes(":") ? "ipv6" : "ipv4")) return;
  s.destroy();
  parentPort.postMessage({ refused: a });
});
server.keepAliveTimeout = 1000;
server.headersTimeout = 10000;
server.on("error", (e) => parentPort.postMessage({ error: e.message }));
server.listen(port, host, () => parentPort.postMessage({ listening: true }));
parentPort.on("message", (m) => {
  if (m === "close") server.close(() => process.exit(0));
});
`;

export interface DebugListener {
  close(): Promise<void>;
}

/** Starts the listener thread; resolves once it listens, rejects when it cannot. */
export function startDebugListenerThread(
  address: string,
  bodyLimit: number,
  accept: (post: RawPost) => void,
  guard?: { allowFrom: string[]; onRefused: (address: string) => void },
): Promise<DebugListener> {
  const at = parseHostPort(address);
  if (!at) throw new Error(`--debug-listen must be HOST:PORT, got ${JSON.stringify(address)}`);
  const worker = new Worker(LISTENER_SOURCE, {
    eval: true,
    // A BlockList crosses to the thread as a clone.
    workerData: {
      host: at.host || "127.0.0.1",
      port: at.port,
      bodyLimit,
      allow: guard?.allowFrom.length ? parseAllowFrom(guard.allowFrom) : null,
    },
    name: "workflow debug listener",
  });
  return new Promise((resolve, reject) => {
    let listening = false;
    worker.on(
      "message",
      (msg: {
        refused?: string;
        listening?: true;
        error?: string;
        url?: string;
        body?: Uint8Array;
        receivedAt?: number;
        contentType?: string;
      }) => {
        if (msg.refused !== undefined) guard?.onRefused(msg.refused);
        else if (msg.listening) {
          listening = true;
          resolve({
            close: () =>
              new Promise<void>((done) => {
                worker.once("exit", () => done());
                worker.postMessage("close");
                setTimeout(() => void worker.terminate(), 2000).unref();
              }),
          });
        } else if (msg.error !== undefined) {
          if (!listening) {
            void worker.terminate();
            reject(new Error(msg.error));
          }
        } else if (msg.body) {
          accept({
            url: msg.url!,
            body: Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength),
            receivedAt: msg.receivedAt!,
            contentType: msg.contentType,
          });
        }
      },
    );
    worker.on("error", (e) => {
      if (!listening) reject(e);
    });
  });
}
