/**
 * The demo's Docker side: is an engine reachable, and the two simulator images (`sglbench-sim:main`,
 * `sglbench-sim:pr`) built from the same context with a different `ENV SGLSIM_DECODE_SPEED`.
 */

/** True when a Docker engine answers a ping (DOCKER_HOST or the default socket), within a few seconds. */
export async function demoDockerReachable(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const { default: Docker } = await import("dockerode");
    const docker = env.DOCKER_HOST ? new Docker() : new Docker({ socketPath: "/var/run/docker.sock" });
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("ping timed out")), 3000).unref()),
    ]);
    return true;
  } catch {
    // No engine is the normal case on a laptop: the demo runs locally instead.
    return false;
  }
}

/** Builds (or reuses) the simulator images; returns their tags. */
export async function buildDemoSimImages(
  checkout: string,
  log: (line: string) => void,
): Promise<{ main: string; pr: string }> {
  void checkout;
  void log;
  throw new Error("the simulator image (test/docker) is not available in this build");
}
