/**
 * Whether a module is the program Node was started with (`node dist/index.js`, `tsx src/cli/main.ts`)
 * rather than imported by a test or another module. Bundled, `import.meta.url` is the bundle's file.
 * Real paths are compared: Node loads the main module from its real path, so started through a
 * symlink (an npm bin link, a linked checkout) argv[1] and the module's URL name different files.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function isEntryPoint(moduleUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  if (argv1 === undefined || !moduleUrl.startsWith("file:")) return false;
  return realPath(fileURLToPath(moduleUrl)) === realPath(resolve(argv1));
}

/** The path with every symlink resolved; as given when it does not exist (nothing to resolve). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
