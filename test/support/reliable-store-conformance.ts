// The conformance suite of reliable stores (`ReliableStore` in
// packages/server/src/reliable/store.ts): every implementation runs it, each guarantee of the
// interface's doc comment checked against the real thing (memory, or a real Redis).
import { describe, expect, it } from "vitest";

interface Entry {
  readonly seq: number;
  readonly data: readonly unknown[];
}

/** The store's surface, as the suite sees it (structurally `ReliableStore`). */
export interface ConformingStore {
  readonly maxPerSession: number;
  add(pid: string, data: readonly unknown[], floor: number): Promise<number>;
  ack(pid: string, seqs: readonly number[]): Promise<void>;
  pending(pid: string): Promise<Entry[]>;
  refresh(pids: readonly string[]): Promise<void>;
  drop(pid: string): Promise<void>;
}

export interface StoreFactory {
  /** A fresh store with these bounds; pids are unique per call, so stores may share a backend. */
  make(opts: { maxPerSession: number; windowMs: number }): Promise<ConformingStore>;
  /** Waits for `ms` of the store's own time to pass (its expiry clock). */
  elapse(ms: number): Promise<void>;
}

let counter = 0;
function pid(): string {
  counter++;
  return `conformance-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}`;
}

export function reliableStoreConformance(name: string, factory: StoreFactory): void {
  describe(`ReliableStore conformance: ${name}`, () => {
    it("hands out increasing seqs in call order, above the floor, and lists them in order", async () => {
      const store = await factory.make({ maxPerSession: 100, windowMs: 60_000 });
      const p = pid();
      // Issued together, not awaited one by one: call order decides.
      const seqs = await Promise.all([
        store.add(p, ["a", 1], 0),
        store.add(p, ["b", { deep: [true, null] }], 0),
        store.add(p, ["c", "x".repeat(10_000)], 0),
      ]);
      expect(seqs[0]).toBeGreaterThan(0);
      expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
      expect(seqs[2]).toBeGreaterThan(seqs[1] as number);
      const listed = await store.pending(p);
      expect(listed.map((e) => e.seq)).toEqual(seqs);
      expect(listed.map((e) => e.data)).toEqual([
        ["a", 1],
        ["b", { deep: [true, null] }],
        ["c", "x".repeat(10_000)],
      ]);
      const above = await store.add(p, ["d"], 1_000_000);
      expect(above).toBeGreaterThan(1_000_000);
      expect(await store.add(p, ["e"], 0)).toBeGreaterThan(above);
    });

    it("keeps binary parts binary", async () => {
      const store = await factory.make({ maxPerSession: 10, windowMs: 60_000 });
      const p = pid();
      await store.add(p, ["file", Buffer.from([0, 1, 2, 255]), { name: "f" }], 0);
      const [entry] = await store.pending(p);
      const bytes = entry?.data[1];
      expect(bytes instanceof Uint8Array).toBe(true);
      expect([...(bytes as Uint8Array)]).toEqual([0, 1, 2, 255]);
      expect(entry?.data[2]).toEqual({ name: "f" });
    });

    it("ack deletes exactly the given seqs; unknown ones are no-ops", async () => {
      const store = await factory.make({ maxPerSession: 10, windowMs: 60_000 });
      const p = pid();
      const a = await store.add(p, ["a"], 0);
      const b = await store.add(p, ["b"], 0);
      const c = await store.add(p, ["c"], 0);
      await store.ack(p, [b, 999_999]);
      await store.ack(pid(), [a]);
      expect((await store.pending(p)).map((e) => e.seq)).toEqual([a, c]);
      await store.ack(p, [a, c, a]);
      expect(await store.pending(p)).toEqual([]);
      // Seqs never go back, even once the set is empty.
      expect(await store.add(p, ["d"], 0)).toBeGreaterThan(c);
    });

    it("refuses past maxPerSession with RELIABLE_LIMIT, keeping nothing; room again after an ack", async () => {
      const store = await factory.make({ maxPerSession: 2, windowMs: 60_000 });
      const p = pid();
      const a = await store.add(p, ["a"], 0);
      await store.add(p, ["b"], 0);
      await expect(store.add(p, ["c"], 0)).rejects.toMatchObject({ code: "RELIABLE_LIMIT" });
      expect((await store.pending(p)).map((e) => e.data[0])).toEqual(["a", "b"]);
      // Other sessions are not affected.
      await store.add(pid(), ["other"], 0);
      await store.ack(p, [a]);
      await store.add(p, ["c"], 0);
      expect((await store.pending(p)).map((e) => e.data[0])).toEqual(["b", "c"]);
    });

    it("drop forgets a session; unknown pids are no-ops", async () => {
      const store = await factory.make({ maxPerSession: 10, windowMs: 60_000 });
      const p = pid();
      await store.add(p, ["a"], 0);
      await store.drop(p);
      await store.drop(pid());
      expect(await store.pending(p)).toEqual([]);
    });

    it("expires a set left alone for the window plus grace; refresh and use keep it", async () => {
      const windowMs = 150;
      const store = await factory.make({ maxPerSession: 10, windowMs });
      const idle = pid();
      const refreshed = pid();
      await store.add(idle, ["idle"], 0);
      await store.add(refreshed, ["kept"], 0);
      // Grace is 2 s: step through 3 s, refreshing one set only.
      for (let i = 0; i < 6; i++) {
        await factory.elapse(500);
        await store.refresh([refreshed]);
      }
      expect(await store.pending(idle)).toEqual([]);
      expect((await store.pending(refreshed)).map((e) => e.data[0])).toEqual(["kept"]);
    });
  });
}
