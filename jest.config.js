/**
 * Jest in ESM mode with the SWC transform (see shared/spec/toolchain.md), two projects:
 * - unit: pure and fast (test/unit), jest's default 5 s per test; `npx jest --selectProjects unit`.
 * - e2e: the simulator, Docker, the dist bundles, Chromium, real servers, the App stand-in
 *   (test/e2e); a file that needs longer sets it with `jest.setTimeout`.
 * test/helpers, test/fixtures, test/sim and test/setup serve both.
 */
const shared = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022", experimental: { keepImportAttributes: true } },
        module: { type: "es6" },
      },
    ],
  },
  setupFilesAfterEnv: ["<rootDir>/test/setup/restore-nock.ts"],
};

export default {
  projects: [
    { ...shared, displayName: "unit", roots: ["<rootDir>/test/unit"] },
    { ...shared, displayName: "e2e", roots: ["<rootDir>/test/e2e"] },
  ],
};
