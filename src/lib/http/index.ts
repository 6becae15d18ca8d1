export { createHttpClient, bindHttpClient } from "./client.js";
export type { HttpClientOptions } from "./client.js";
export * from "./types.js";
