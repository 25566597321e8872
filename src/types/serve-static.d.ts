/** The part of serve-static's API that src/plots/serve.ts uses (the package ships no types). */
declare module "serve-static" {
  import type { Stats } from "node:fs";
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface ServeStaticOptions {
    dotfiles?: "allow" | "deny" | "ignore";
    index?: false | string | string[];
    /** 301 to the trailing-slash URL for a folder. */
    redirect?: boolean;
    /** false: every error (404, 403, 405 …) goes to `next(error)`. */
    fallthrough?: boolean;
    cacheControl?: boolean;
    etag?: boolean;
    lastModified?: boolean;
    extensions?: false | string[];
    /** Called before the response headers are written; a Content-Type set here is kept. */
    setHeaders?: (res: ServerResponse, path: string, stat: Stats) => void;
  }

  export type ServeStaticNext = (error?: Error & { status?: number; statusCode?: number }) => void;

  export default function serveStatic(
    root: string,
    options?: ServeStaticOptions,
  ): (req: IncomingMessage, res: ServerResponse, next: ServeStaticNext) => void;
}
