import { existsSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { PACKAGE_ROOT } from "../package-info.js";

// The documentation's examples use `examples/roaming/<event>.json`, the example events shipped in
// the npm package and the Docker image. Such a path is read relative to the current folder as
// usual; when nothing is there (the command was installed globally, or runs from another folder)
// the copy inside the package is used, so every documented command works as written.

/** `path` itself, or the package's own file for a missing `examples/...` path. */
export function resolveExamplePath(path: string, cwd = process.cwd()): string {
  if (path === "-" || isAbsolute(path) || existsSync(join(cwd, path))) return path;
  const rel = normalize(path);
  if (!rel.startsWith(`examples${sep}`)) return path;
  const shipped = join(PACKAGE_ROOT, rel);
  return existsSync(shipped) ? shipped : path;
}
