// Public API of the package: what a custom module file imports
// (`import { defineActionModule, param } from "misp-modules-ts"`).
export * from "./sdk/index.js";
