/** ZIP archives for tests (deflated or stored), as GitHub serves an artifact; and zip bombs. */
import { once } from "node:events";
import { crc32, createDeflateRaw } from "node:zlib";
import { Zip, ZipDeflate, zipSync, type ZipInputFile } from "fflate";

export function zipFiles(files: Record<string, string | Buffer>, method: 0 | 8 = 8): Buffer {
  const entries = Object.fromEntries(
    Object.entries(files).map(([name, content]) => [name, Buffer.isBuffer(content) ? content : Buffer.from(content)]),
  );
  return Buffer.from(zipSync(entries, { level: method === 8 ? 6 : 0 }));
}

const MIB = new Uint8Array(1024 * 1024);

/** `n` zero bytes, raw-deflated 1 MiB at a time by native zlib (fast, and never all in memory). */
async function deflatedZeros(n: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = once(deflate, "end");
  for (let left = n; left > 0; left -= MIB.length)
    if (!deflate.write(MIB.subarray(0, Math.min(MIB.length, left)))) await once(deflate, "drain");
  deflate.end();
  await ended;
  return Buffer.concat(out);
}

/**
 * A ZIP archive built by fflate's streaming `Zip` (sizes only in data descriptors, none in the
 * local headers), where `{ zeros: n }` is a deflated entry of n zero bytes: a zip bomb of
 * hundreds of MB in well under 1 MB.
 */
export async function zipBomb(files: Record<string, string | { zeros: number }>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    parts.push(chunk);
  });
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") {
      const entry = new ZipDeflate(name);
      zip.add(entry);
      entry.push(Buffer.from(content), true);
      continue;
    }
    let crc = 0;
    for (let left = content.zeros; left > 0; left -= MIB.length)
      crc = crc32(MIB.subarray(0, Math.min(MIB.length, left)), crc);
    // Already-deflated data: fflate's documented ZipInputFile, with the inflated size and CRC.
    const entry: ZipInputFile = { filename: name, size: content.zeros, crc, compression: 8 };
    zip.add(entry);
    entry.ondata?.(null, new Uint8Array(await deflatedZeros(content.zeros)), true);
  }
  zip.end();
  return Buffer.concat(parts);
}
