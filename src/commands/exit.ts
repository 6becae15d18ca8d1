/**
 * Ends the process once what was written to stdout and stderr has left it. `process.exit()` right
 * after a large write to a pipe (`modules --json | jq`) cut the output at the pipe's 64 KiB buffer.
 */
export function exitAfterOutput(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}
