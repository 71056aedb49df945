// The default browser bundle's budget: 10 000 B min+gzip (level 9), and none of the optional
// code (the msgpack parser and the `parser` option's adapter, Engine.IO v3) inside it. Sizes are
// deterministic for a given build, so this is a check, not a benchmark. It reads
// dist/browser, so without a build it is skipped with a notice (an error under CI=true).
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const BUDGET_BYTES = 10_000;
const dist = new URL("../dist/browser/", import.meta.url);
const bundle = new URL("socket.io.min.js", dist);
const msgpackBundle = new URL("socket.io.msgpack.min.js", dist);

const built = existsSync(bundle) && existsSync(msgpackBundle);
if (!built) {
  const notice = "packages/client/dist/browser missing: run `npm run build` to check the bundle";
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n*** SKIPPED: ${notice}\n`);
}

describe.skipIf(!built)("the default browser bundle", () => {
  it(`stays within ${BUDGET_BYTES} B min+gzip`, () => {
    const gzipped = gzipSync(readFileSync(bundle), { level: 9 }).length;
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("carries no msgpack parser and no Engine.IO v3 code", () => {
    const text = readFileSync(bundle, "utf8");
    // Messages of the msgpack codec (notepack.io); the v3 codec's framing error code. The
    // bundle does name socket.io.msgpack.min.js, in the error refusing the `parser` option.
    for (const marker of ["Could not encode", "Buffer too large", "INVALID_PAYLOAD_FRAMING"]) {
      expect(text).not.toContain(marker);
    }
  });

  it("while the msgpack bundle does carry the parser (the markers above mean something)", () => {
    const text = readFileSync(msgpackBundle, "utf8");
    expect(text).toContain("Could not encode");
    expect(text).toContain("Buffer too large");
  });
});
