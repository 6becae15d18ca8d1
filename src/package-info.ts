import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Where this package lives and which of its two forms is running: the TypeScript sources
// (tsx, vitest) or the bundled build in dist/. The build moves shared code into dist/chunks/,
// so nothing may locate a file relative to its own import.meta.url; everything goes through
// the package root found here instead.

const PACKAGE_NAME = "misp-modules-ts";

interface PackageJson {
  name?: string;
  version: string;
}

function findPackageRoot(from: string): { root: string; manifest: PackageJson } {
  for (let dir = from; ; ) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as PackageJson;
      if (manifest.name === PACKAGE_NAME) return { root: dir, manifest };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${from}`);
    dir = parent;
  }
}

// tsx may add a query string to import.meta.url, hence the pathname.
const here = new URL(import.meta.url);
const found = findPackageRoot(dirname(fileURLToPath(here)));

/** The folder holding this package's package.json. */
export const PACKAGE_ROOT: string = found.root;

/** The package version, from package.json. */
export const VERSION: string = found.manifest.version;

/** True under tsx/vitest (TypeScript sources), false when running the build in dist/. */
export const RUNNING_FROM_SOURCE: boolean = here.pathname.endsWith(".ts");

/** A path inside the running code tree: src/ when running from source, dist/ when built. */
export function codePath(relative: string): string {
  return join(PACKAGE_ROOT, RUNNING_FROM_SOURCE ? "src" : "dist", relative);
}

/** The URL of a code file given without extension (`engines/jinja/worker` → .ts or .js). */
export function codeFileUrl(relativeWithoutExtension: string): URL {
  return pathToFileURL(codePath(`${relativeWithoutExtension}.${RUNNING_FROM_SOURCE ? "ts" : "js"}`));
}
