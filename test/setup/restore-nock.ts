/**
 * Jest runs every test file in one process on a 2-core machine (in band), and nock patches Node's
 * shared `http` module when it is imported. A file that imports nock (even through a helper) and
 * never restores it would intercept the next files' requests (dockerode's unix socket included).
 * Restoring after every file keeps each file's network its own.
 */
import { afterAll } from "@jest/globals";

afterAll(async () => {
  const { default: nock } = await import("nock");
  nock.cleanAll();
  nock.restore();
  nock.enableNetConnect();
});
