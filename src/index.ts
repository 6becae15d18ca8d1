// Public API of the package: what a custom module file imports
// (`import { defineActionModule, param } from "misp-modules-ts"`).
export * from "./sdk/index.js";
// CakePHP hash paths, for modules that take paths themselves (e.g. a field → path model).
export { extract, isValidPath, lintPath } from "./engines/cakephp-hash/index.js";
// Views of MISP roaming data (event, attributes, tags).
export { attributesOf, eventOf, tagNames, attributeTagNames } from "./modules/shared/roaming/event-view.js";
