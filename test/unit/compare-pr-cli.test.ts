import { describe, expect, it } from "@jest/globals";
import { run } from "../../src/cli/commands/compare-pr.js";
import { captureIO } from "../helpers/capture-io.js";

describe("sglbench compare-pr flags", () => {
  it("requires --pr like the original script", async () => {
    const io = captureIO("/");
    expect(await run([], io)).toBe(2);
    expect(io.err.join("")).toMatch(/--pr=N is required[\s\S]*Usage/);
  });

  it("rejects unknown flags, --skip-build without images, bad env entries and suite types", async () => {
    const io = captureIO("/");
    expect(await run(["--pr=1", "--bogus"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/bogus[\s\S]*Usage/);
    const io2 = captureIO("/");
    expect(await run(["--pr=1", "--skip-build", "--pr-env=NOPE", "--benchmark-types=offline,gpu"], io2)).toBe(2);
    const err = io2.err.join("");
    expect(err).toMatch(/--main-image and --pr-image/);
    expect(err).toMatch(/--pr-env: 'NOPE' is not KEY=VALUE/);
    expect(err).toMatch(/`benchmark-types`: unknown value `gpu` \(allowed: offline, online\)/);
  });

  it("names an unknown --hardware", async () => {
    const io = captureIO("/");
    expect(await run(["--pr=1", "--hardware=h100"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/--hardware: expected mi300x or mi355x, got "h100"/);
  });

  it("plans and runs the hardware's points: Grok-2 online on MI355X at rates 1–8", async () => {
    const { defaultComparePrServices } = await import("../../src/pipeline/compare-pr-services.js");
    const pointsOn = async (hardware?: string) => {
      const services = await defaultComparePrServices({
        local: true,
        mainEnv: {},
        prEnv: {},
        log: () => {},
        ...(hardware ? { hardware } : {}),
      });
      return services.catalogue.find((s) => s.id === "grok2-online")!.points.map((p) => p.key);
    };
    expect(await pointsOn("mi35x")).toEqual(["request_rate=1", "request_rate=2", "request_rate=4", "request_rate=8"]);
    expect(await pointsOn()).toHaveLength(5);
  });

  it("names a bad verdict setting", async () => {
    const io = captureIO("/");
    expect(await run(["--pr=1", "--performance-threshold=-1", "--false-discovery-rate=none"], io)).toBe(2);
    expect(io.err.join("")).toMatch(
      /--performance-threshold must be a number of % in \[0, 1000\], got "-1"; --false-discovery-rate must be a number in \[0.001, 1\] or off, got "none"/,
    );
  });

  it("prints its usage with --help", async () => {
    const io = captureIO("/");
    expect(await run(["--help"], io)).toBe(0);
    expect(io.out.join("")).toMatch(/--merge=DIR/);
  });
});
