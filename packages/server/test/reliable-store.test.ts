import { afterAll, vi } from "vitest";
import { reliableStoreConformance } from "../../../test/support/reliable-store-conformance.js";
import { MemoryReliableStore } from "../src/reliable/memory-store.js";

// The memory store's clock is Date.now(): the suite's time passes by moving it, not by
// sleeping.
let shift = 0;
const realNow = Date.now.bind(Date);
const spy = vi.spyOn(Date, "now").mockImplementation(() => realNow() + shift);
afterAll(() => spy.mockRestore());

reliableStoreConformance("memory", {
  make: async (opts) => new MemoryReliableStore(opts),
  elapse: async (ms) => {
    shift += ms;
  },
});
