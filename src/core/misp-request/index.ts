/** Simulation of the /query request MISP sends for a misp-module workflow node (docs/protocol.md#action-modules). */
export { nodeFromDescriptor, findNodeParam, type NodeDefinition, type NodeParam } from "./node-definition.js";
export { buildActionQueryBody, type ActionQueryInput, type JinjaRenderer } from "./query-body.js";
export { parseFilterSpec, parseParamAssignment } from "./cli-specs.js";
export { jinjaRenderRequest, renderedTextFromReply } from "./jinja-call.js";
