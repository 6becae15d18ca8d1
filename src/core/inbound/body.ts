import type { IncomingMessage } from "node:http";
import { errorText, PROTOCOL_ERRORS, type ProtocolErrorCode } from "../protocol/errors.js";

// Reads request bodies under three bounds (docs/security.md, "Request bodies and connections"):
// a body must arrive within bodyTimeoutMs, an upload that goes quiet for bodyIdleTimeoutMs is
// cut, and all bodies held at once (arriving, parsed, or waiting for their reply) share a byte
// budget. A body that does not fit is refused at once — by its Content-Length when it has one,
// as it grows otherwise — so a few half-sent uploads cannot pin the process's memory.

/** Bodies from this size on are "large": they need room in the budget and are parsed in slices. */
export const LARGE_BODY_BYTES = 1024 * 1024;

export interface BodyLimits {
  /** Largest single body (413 beyond). */
  bodyLimit: number;
  bodyTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  /** Bytes all held bodies may take together. */
  pendingBodyBytes: number;
}

/** An error with the HTTP status the server answers with; the connection is closed after it. */
export class BodyError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.statusCode = PROTOCOL_ERRORS[code].status;
  }
}

/** A BodyError with the catalogue's text for `code`. */
function bodyError<C extends ProtocolErrorCode>(code: C, ...args: Parameters<(typeof PROTOCOL_ERRORS)[C]["text"]>): BodyError {
  return new BodyError(code, errorText(code, ...args));
}

interface Pending {
  req: IncomingMessage;
  started: number;
  lastData: number;
  fail(err: BodyError): void;
}

/**
 * The byte budget and the timers of the bodies in progress. One sweep timer checks every
 * pending body: a timer per request measurably slowed the small-body fast path.
 */
export class BodyGuard {
  /** Bytes of bodies currently held (reserved by Content-Length or received). */
  held = 0;
  /** Large bodies refused for want of budget since start (for logs and tests). */
  refused = 0;
  readonly budget: number;
  /** Small bodies may use this much beyond what large ones can take: MISP's ordinary queries get through when large uploads fill the budget. */
  private readonly reserve: number;
  private readonly pending = new Set<Pending>();
  private sweep: NodeJS.Timeout | undefined;
  private readonly sweepMs: number;

  constructor(readonly limits: BodyLimits) {
    // A budget smaller than one allowed body would refuse that body forever.
    this.budget = Math.max(limits.pendingBodyBytes, limits.bodyLimit);
    this.reserve = Math.min(64 * 1024 * 1024, Math.floor(this.budget / 8));
    this.sweepMs = Math.max(50, Math.min(1000, Math.floor(Math.min(limits.bodyTimeoutMs, limits.bodyIdleTimeoutMs) / 4)));
  }

  /** Whether `bytes` more may be held by a body that is (or becomes) large. */
  private fits(bytes: number, large: boolean): boolean {
    return this.held + bytes <= (large ? this.budget - this.reserve : this.budget);
  }

  private busy(bytes: number): BodyError {
    this.refused++;
    return bodyError("SERVER_BUSY", this.held, bytes, this.budget - this.reserve);
  }

  private track(p: Pending): void {
    this.pending.add(p);
    if (!this.sweep) {
      this.sweep = setInterval(() => this.check(), this.sweepMs);
      this.sweep.unref();
    }
  }

  private untrack(p: Pending): void {
    // The sweep stops itself once nothing is pending (stopping it here cost a timer per request).
    this.pending.delete(p);
  }

  private check(): void {
    if (this.pending.size === 0) {
      clearInterval(this.sweep);
      this.sweep = undefined;
      return;
    }
    const now = Date.now();
    const { bodyTimeoutMs, bodyIdleTimeoutMs } = this.limits;
    for (const p of this.pending) {
      if (now - p.started > bodyTimeoutMs) p.fail(bodyError("BODY_TIMEOUT", bodyTimeoutMs));
      else if (now - p.lastData > bodyIdleTimeoutMs) p.fail(bodyError("BODY_STALLED", bodyIdleTimeoutMs));
    }
  }

  /** Bodies being received now. */
  get receiving(): number {
    return this.pending.size;
  }

  /**
   * Cuts the upload that has been silent longest (at least a second), to make room for a new
   * connection at the connection cap. Says whether there was one.
   */
  evictStalest(): boolean {
    let stalest: Pending | undefined;
    for (const p of this.pending) if (!stalest || p.lastData < stalest.lastData) stalest = p;
    if (!stalest || Date.now() - stalest.lastData < 1000) return false;
    stalest.fail(bodyError("BODY_EVICTED"));
    stalest.req.socket.destroy();
    return true;
  }

  /**
   * Reads the whole body. Its bytes stay on the budget until the `release` function handed to
   * `onSettled` is called (by the server once the reply is out for a large body: the body and
   * its parsed form are in memory until then); a refused or failed body releases itself.
   */
  read(req: IncomingMessage, onSettled: (release: () => void) => void): Promise<Buffer> {
    const { bodyLimit } = this.limits;
    const header = req.headers["content-length"];
    const declared = header === undefined ? NaN : Number(header);
    if (declared > bodyLimit) return Promise.reject(bodyError("BODY_TOO_LARGE", bodyLimit));
    let reserved = 0;
    if (declared >= LARGE_BODY_BYTES) {
      if (!this.fits(declared, true)) return Promise.reject(this.busy(declared));
      reserved = declared;
      this.held += declared;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held -= reserved;
      reserved = 0;
    };
    onSettled(release);

    return new Promise<Buffer>((resolve, reject) => {
      // With a Content-Length the bytes go straight to their final place (no concatenation
      // of a large body at the end, which stalled the event loop).
      const into = declared >= LARGE_BODY_BYTES ? Buffer.allocUnsafe(declared) : undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      const now = Date.now();
      const p: Pending = { req, started: now, lastData: now, fail: (e) => finish(e) };

      const onData = (chunk: Buffer) => {
        p.lastData = Date.now();
        const size = received + chunk.length;
        if (size > bodyLimit) return finish(bodyError("BODY_TOO_LARGE", bodyLimit));
        if (size > reserved) {
          // Growing past what was reserved (no or a wrong Content-Length): ask the budget again.
          const more = size - reserved;
          if (!this.fits(more, size >= LARGE_BODY_BYTES)) return finish(this.busy(size));
          this.held += more;
          reserved = size;
        }
        if (into && size <= into.length) chunk.copy(into, received);
        else chunks.push(chunk);
        received = size;
      };
      const onEnd = () => {
        if (into) {
          if (received !== into.length) return finish(bodyError("BODY_LENGTH_MISMATCH"));
          return finish(undefined, into);
        }
        return finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
      };
      const onError = (err: Error) => finish(Object.assign(bodyError("BODY_NOT_RECEIVED", err.message), { aborted: true }));
      const onClose = () => finish(Object.assign(bodyError("BODY_CLIENT_CLOSED"), { aborted: true }));

      let done = false;
      const finish = (err: BodyError | undefined, body?: Buffer) => {
        if (done) return;
        done = true;
        this.untrack(p);
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("close", onClose);
        if (err) {
          release();
          // Whatever still arrives is discarded, not held.
          req.resume();
          reject(err);
        } else resolve(body!);
      };

      this.track(p);
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("close", onClose);
      req.resume();
    });
  }
}
