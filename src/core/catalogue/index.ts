/** What can be run: models, suites and their points, images and tags, metric names. The only door into src/core/catalogue. */
export * from "./suites.js";
export * from "./images.js";
export * from "./metrics.js";
export * from "./nightly-image.js";
export * from "./models.js";
export {
  applyVariant,
  builtinCatalogue,
  BUILTIN_CATALOGUE_PATH,
  loadCatalogue,
  perHardware,
  resolveCatalogue,
  sanitySuites,
  variantForFlags,
  type Catalogue,
  type Gsm8kDefaults,
  type SanityCatalogue,
} from "./catalogue.js";
export { CatalogueError, camelizeKeys, parseCatalogue, readCatalogueFile } from "./catalogue-load.js";
export type { CatalogueFile, ModelEntry, SanityModel, VariantEntry } from "./catalogue-schema.js";
