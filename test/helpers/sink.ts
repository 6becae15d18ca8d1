import { Writable } from "node:stream";

/** A writable that collects what a command prints, for CLI tests that pass their own stdout/stderr. */
export function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}
