import type { ContextFor } from "../../../sdk/types.js";
import { serverSetting } from "../../../sdk/server-settings.js";

/**
 * The server setting of modules that link back to the event in MISP (docs/writing-modules.md#server-settings):
 * MISP's roaming data does not say where MISP is.
 */
export const MISP_LINK_SETTINGS = {
  misp_base_url: serverSetting.text({
    description: "MISP's URL (https://misp.example.org), for links back to the event; unset: no link.",
  }),
};

export type MispLinkContext = ContextFor<typeof MISP_LINK_SETTINGS>;
