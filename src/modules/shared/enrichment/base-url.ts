// Base URL of an upstream service from the `custom_API` setting (MISP's config, the server
// configuration, or the module's default): http(s) only, no trailing slash (the reference
// produced "//lookup" by always appending one), no credentials in the URL.
import { ModuleError } from "../../../sdk/errors.js";

export function upstreamBase(raw: string | undefined, fallback: string, setting = "custom_API"): string {
  const text = (raw ?? "").trim() || fallback;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ModuleError(`${setting} must be an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ModuleError(`${setting} must be an http(s) URL`);
  if (url.username || url.password) throw new ModuleError(`${setting} must not contain credentials`);
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
