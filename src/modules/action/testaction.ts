import { defineActionModule, param } from "../../sdk/index.js";
import { stringifyDeep } from "../shared/json-text.js";

// Smoke test of the Action wiring (docs/modules.md#testaction). Names and parameters are the reference's:
// saved workflows address nodes and values by them.

export default defineActionModule({
  meta: {
    description: "Test action module that always reports success.",
    name: "Test action",
    version: "0.1",
    features: "Logs the parameters it received (at debug level) and replies success.",
  },
  icon: { name: "flask", class: "fas" },
  params: {
    foo: param.string({ placeholder: "xyz", description: "Free text, not used." }),
    "Data extraction path": param.hashPath({
      placeholder: "Event.Attribute.{n}.Tag.{n}.name",
      description: "Path whose extraction is echoed in the logs.",
    }),
  },
  handler({ params, data, matchingData }, ctx) {
    if (!ctx.log.isLevelEnabled("debug")) return;
    const extracted = matchingData["Data extraction path"];
    ctx.log.debug(
      {
        params: Object.keys(params),
        dataBytes: stringifyDeep(data)?.length ?? 0,
        matchingItems: Array.isArray(extracted) ? extracted.length : extracted === undefined ? 0 : 1,
      },
      "testaction called",
    );
  },
});
