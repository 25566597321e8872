/** The request: its one schema and grammar, the App's config, the sticky comment's state. The only door into src/core/request. */
export * from "./request.js";
export * from "./request-fields.js";
export * from "./app-config.js";
export * from "./sticky.js";
