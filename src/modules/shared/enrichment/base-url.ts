// Base URL of an upstream service from the `custom_API` setting (MISP's config, the server
// configuration, or the module's default): http(s) only, no trailing slash (the reference
// produced "//lookup" by always appending one), no credentials in the URL.
import { ModuleError } from "../../../sdk/errors.js";
import { checkHttpUrl } from "../../../sdk/http-url.js";

export function upstreamBase(raw: string | undefined, fallback: string, setting = "custom_API"): string {
  const text = (raw ?? "").trim() || fallback;
  const checked = checkHttpUrl(text);
  if ("problem" in checked)
    throw new ModuleError(
      checked.problem === "credentials" ? `${setting} must not contain credentials` : `${setting} must be an http(s) URL`,
    );
  const url = checked.url;
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
