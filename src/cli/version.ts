/** `sglbench --version`: the package version, the same from the sources (tsx, jest) and from dist/cli.js. */
import { readFileSync } from "node:fs";

// scripts/build.mjs defines this as package.json's version in the bundle, whose folder is not
// the package root; from the sources it is undefined and package.json sits two levels up.
declare const __SGLBENCH_VERSION__: string | undefined;

export function sglbenchVersion(): string {
  if (typeof __SGLBENCH_VERSION__ === "string") return __SGLBENCH_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
