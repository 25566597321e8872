import { describe, expect, it } from "@jest/globals";
import { TaskQueue } from "../../src/app/queue.js";

describe("TaskQueue", () => {
  it("runs tasks of one key in order, other keys concurrently, and reports errors", async () => {
    const errors: Array<[unknown, string]> = [];
    const q = new TaskQueue((e, k) => errors.push([e, k]));
    const log: string[] = [];
    let releaseA!: () => void;
    const gateA = new Promise<void>((r) => (releaseA = r));
    void q.enqueue("pr1", async () => {
      log.push("a1 start");
      await gateA;
      log.push("a1 end");
    });
    void q.enqueue("pr1", async () => {
      log.push("a2");
      throw new Error("boom");
    });
    const b1 = q.enqueue("pr2", async () => {
      log.push("b1");
    });
    expect(log).toEqual([]); // nothing runs before the caller's turn ends (the HTTP response goes first)
    // No timer: b1 settles after its own start, and a1 started on the same turn just before it.
    await b1;
    expect(log).toEqual(["a1 start", "b1"]);
    expect(q.stats().running).toBe(2);
    releaseA();
    await q.idle();
    expect(log).toEqual(["a1 start", "b1", "a1 end", "a2"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toBe("pr1");
    expect(q.stats()).toEqual({ running: 0, handled: 3, failed: 1 });
    await q.idle(); // idle when empty resolves at once
  });
});
