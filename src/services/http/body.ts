// Reading a response body up to a byte cap. Past the cap the stream is destroyed (the
// connection is dropped rather than drained), so a huge or endless body costs at most
// `cap` bytes of memory.

export interface CappedBody {
  text: string;
  truncated: boolean;
}

export async function readCapped(body: AsyncIterable<Buffer | Uint8Array> & { destroy(): unknown }, cap: number): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const raw of body) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (size + chunk.length > cap) {
      chunks.push(chunk.subarray(0, cap - size));
      size = cap;
      truncated = true;
      body.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  // A multi-byte character cut at the cap decodes to U+FFFD; acceptable for a cut body.
  return { text: Buffer.concat(chunks).toString("utf8"), truncated };
}
