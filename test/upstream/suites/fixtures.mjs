// Stand-ins for large fixtures a snapshot may lack (snapshots drop big blobs). Only the kind
// of content matters to the tests that read them ("very large json" / "very large binary
// data" round trips), so a generated file of the same kind takes their place, sized to stay
// under the default 1 MB maxHttpBufferSize even base64-encoded on long-polling.

import { writeFileSync } from "node:fs";
import { join } from "node:path";

const GENERATORS = {
  "fixtures/big.json": () => {
    const items = [];
    for (let i = 0; i < 4000; i++) {
      items.push({
        id: i,
        name: `item ${i}`,
        tags: ["a", "b", "c"],
        value: i * 1.5,
        ok: i % 2 === 0,
      });
    }
    return Buffer.from(JSON.stringify({ items }));
  },
  "fixtures/big.jpg": () => {
    // Deterministic bytes (a linear congruential sequence), 512 KiB.
    const bytes = Buffer.alloc(512 * 1024);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    return bytes;
  },
};

/**
 * @param {string} dir     suite directory
 * @param {string} sub     where the extracted tree went, relative to dir
 * @param {string[]} missing  paths (relative to the tree) the source lacked
 * @returns {string[]} the ones replaced by a stand-in
 */
export function substituteFixtures(dir, sub, missing) {
  const done = [];
  for (const rel of missing) {
    const make = GENERATORS[rel];
    if (!make) continue;
    writeFileSync(join(dir, sub, rel), make());
    done.push(rel);
  }
  return done;
}
