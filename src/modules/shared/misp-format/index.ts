export * from "./templates.js";
export * from "./schemas.js";
export * from "./builder.js";
export * from "./simplified.js";
