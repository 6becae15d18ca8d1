// Where HEC events go. Users paste anything from the bare "https://splunk:8088" to the
// full endpoint; we complete the usual shapes and refuse the raw endpoint, whose body
// format (free text, not JSON envelopes) this module does not produce (docs/modules.md#splunk_hec).

export const HEC_EVENT_PATH = "/services/collector/event";

export class HecEndpointError extends Error {}

/** The HEC event endpoint for a configured URL (already validated as http/https). */
export function hecEventEndpoint(configured: string): string {
  const url = new URL(configured);
  const path = url.pathname.replace(/\/+$/, "");
  if (path === "") url.pathname = HEC_EVENT_PATH;
  else if (/\/services\/collector$/.test(path)) url.pathname = `${path}/event`;
  else if (/\/services\/collector\/raw(\/1\.0)?$/.test(path)) {
    throw new HecEndpointError("the raw endpoint (/services/collector/raw) is not supported; use /services/collector/event");
  }
  return url.toString();
}
