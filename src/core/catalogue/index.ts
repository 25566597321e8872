/** What can be run: models, suites and their points, images and tags, metric names. The only door into src/core/catalogue. */
export * from "./suites.js";
export * from "./images.js";
export * from "./metrics.js";
export * from "./nightly-image.js";
export * from "./models.js";
