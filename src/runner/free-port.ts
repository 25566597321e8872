/** A TCP port nothing listens on (127.0.0.1), from the kernel: SGLang's default 30000 may be taken. */
import { createServer, type AddressInfo } from "node:net";

export async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
