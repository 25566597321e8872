/** ZIP archives for tests (deflated or stored), as GitHub serves an artifact. */
import { zipSync } from "fflate";

export function zipFiles(files: Record<string, string | Buffer>, method: 0 | 8 = 8): Buffer {
  const entries = Object.fromEntries(
    Object.entries(files).map(([name, content]) => [name, Buffer.isBuffer(content) ? content : Buffer.from(content)]),
  );
  return Buffer.from(zipSync(entries, { level: method === 8 ? 6 : 0 }));
}
