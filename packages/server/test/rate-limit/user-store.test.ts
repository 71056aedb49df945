import { describe } from "vitest";
import { userRateStoreConformance } from "../../../../test/support/user-rate-store-conformance.js";
import { MemoryUserRateStore } from "../../src/rate-limit/user-store.js";

describe("MemoryUserRateStore conformance", () => {
  let n = 0;
  userRateStoreConformance("memory", {
    make: async () => {
      const store = new MemoryUserRateStore();
      return [store, store];
    },
    key: (name) => `${name}-${n++}`,
  });
});
