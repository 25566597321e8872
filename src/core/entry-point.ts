/**
 * Whether a module is the program Node was started with (`node dist/index.js`, `tsx src/cli/main.ts`)
 * rather than imported by a test or another module. Bundled, `import.meta.url` is the bundle's file.
 */
import { pathToFileURL } from "node:url";

export function isEntryPoint(moduleUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  return argv1 !== undefined && moduleUrl === pathToFileURL(argv1).href;
}
