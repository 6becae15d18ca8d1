import { ParamError } from "../../sdk/index.js";

/**
 * The `ca_certificate` parameter of the modules that accept an extra CA: trimmed PEM text, or ""
 * for the public roots only. Anything else is a ParamError naming the parameter.
 */
export function caCertificateParam(value: string): string {
  const ca = value.trim();
  if (ca !== "" && !ca.includes("-----BEGIN CERTIFICATE-----"))
    throw new ParamError("ca_certificate", "must be PEM text (-----BEGIN CERTIFICATE----- …)");
  return ca;
}
