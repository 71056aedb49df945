// Codec benchmark: @parley/protocol against the official socket.io-parser and engine.io-parser,
// side by side in one run. Uses the built package: run
//   npm run build --workspace=@parley/protocol && npm run bench:codec
// Flags: --quick (fewer, shorter rounds), --filter=<substring> (only matching cases).

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  decodeEnginePacket,
  decodePayload,
  encodeEnginePacket,
  encodePacket,
  encodePayload,
  PacketDecoder,
} from "@parley/protocol";
import * as eio from "engine.io-parser";
import { Decoder, Encoder } from "socket.io-parser";
import { compare, printTable, sink } from "./codec-measure.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const filter = args.find((arg) => arg.startsWith("--filter="))?.slice("--filter=".length);
const options = quick
  ? { rounds: 5, roundMs: 100, warmupMs: 200 }
  : { rounds: 15, roundMs: 150, warmupMs: 500 };

// ---- fixtures ---------------------------------------------------------------------------------

const smallArgs = ["chat", { text: "hello", user: "ann" }];

/** An object of about 1 kB once serialised: a typical "state update" message. */
function kilobyteObject() {
  const items = [];
  for (let i = 0; i < 12; i++) {
    items.push({
      id: 1000 + i,
      name: `item-${i}`,
      price: 9.99 + i,
      tags: ["a", "b"],
      ok: i % 2 === 0,
    });
  }
  return {
    room: "lobby",
    at: 1_700_000_000_000,
    user: { id: 42, name: "ann", admin: false },
    items,
  };
}
const kbArgs = ["update", kilobyteObject()];
const kbBytes = Buffer.alloc(1024, 7);
const binArgs = ["file", { name: "a.bin", data: kbBytes }];

const smallPacket = { type: 2, nsp: "/", data: smallArgs };
const kbPacket = { type: 2, nsp: "/", data: kbArgs };
const binPacket = { type: 2, nsp: "/", data: binArgs };

const encoder = new Encoder();
const [smallText] = encodePacket(smallPacket);
const [kbText] = encodePacket(kbPacket);
const binFrames = encodePacket(binPacket);
const [binText, binAttachment] = binFrames;
const binBuffer = Buffer.from(binAttachment);

// Guard: the two sides must produce the same wire text, or the comparison means nothing.
for (const [ours, packet] of [
  [smallText, smallPacket],
  [kbText, kbPacket],
  [binText, binPacket],
]) {
  const [theirs] = encoder.encode(packet);
  if (ours !== theirs) throw new Error(`wire mismatch:\n${ours}\n${theirs}`);
}

const parleyDecoder = new PacketDecoder();
const referenceDecoder = new Decoder();
referenceDecoder.on("decoded", (packet) => {
  sink.value = packet;
});

const enginePacket = { type: "message", data: smallText };
const engineFrame = `4${smallText}`;
const textPayloadPackets = [
  { type: "message", data: smallText },
  { type: "message", data: kbText },
  { type: "message", data: smallText },
  { type: "ping" },
];
const binaryPayloadPackets = [
  { type: "message", data: binText },
  { type: "message", data: binBuffer },
];
const textPayload = encodePayload(textPayloadPackets);
const binaryPayload = encodePayload(binaryPayloadPackets);
for (const [packets, ours] of [
  [textPayloadPackets, textPayload],
  [binaryPayloadPackets, binaryPayload],
]) {
  eio.encodePayload(packets, (theirs) => {
    if (ours !== theirs) throw new Error(`payload mismatch:\n${ours}\n${theirs}`);
  });
}

const keep = (value) => {
  sink.value = value;
};

// ---- cases ------------------------------------------------------------------------------------

const cases = [
  [
    "sio encode small event",
    () => keep(encodePacket(smallPacket)),
    () => keep(encoder.encode(smallPacket)),
  ],
  [
    "sio decode small event",
    () => keep(parleyDecoder.add(smallText)),
    () => referenceDecoder.add(smallText),
  ],
  [
    "sio encode 1 kB event",
    () => keep(encodePacket(kbPacket)),
    () => keep(encoder.encode(kbPacket)),
  ],
  [
    "sio decode 1 kB event",
    () => keep(parleyDecoder.add(kbText)),
    () => referenceDecoder.add(kbText),
  ],
  [
    "sio encode binary event",
    () => keep(encodePacket(binPacket)),
    () => keep(encoder.encode(binPacket)),
  ],
  [
    "sio decode binary event",
    () => {
      parleyDecoder.add(binText);
      keep(parleyDecoder.add(binBuffer));
    },
    () => {
      referenceDecoder.add(binText);
      referenceDecoder.add(binBuffer);
    },
  ],
  [
    "eio encode packet",
    () => keep(encodeEnginePacket(enginePacket)),
    () => eio.encodePacket(enginePacket, true, keep),
  ],
  [
    "eio decode packet",
    () => keep(decodeEnginePacket(engineFrame)),
    () => keep(eio.decodePacket(engineFrame)),
  ],
  [
    "eio encode payload (text)",
    () => keep(encodePayload(textPayloadPackets)),
    () => eio.encodePayload(textPayloadPackets, keep),
  ],
  [
    "eio decode payload (text)",
    () => keep(decodePayload(textPayload)),
    () => keep(eio.decodePayload(textPayload)),
  ],
  [
    "eio encode payload (binary)",
    () => keep(encodePayload(binaryPayloadPackets)),
    () => eio.encodePayload(binaryPayloadPackets, keep),
  ],
  [
    "eio decode payload (binary)",
    () => keep(decodePayload(binaryPayload)),
    () => keep(eio.decodePayload(binaryPayload)),
  ],
];

// ---- run --------------------------------------------------------------------------------------

const rows = [];
for (const [name, parley, reference] of cases) {
  if (filter !== undefined && !name.includes(filter)) continue;
  rows.push({ name, ...compare(parley, reference, options) });
}

console.log(`@parley/protocol vs socket.io-parser / engine.io-parser (node ${process.version})\n`);
printTable(rows);
const slowest = rows.reduce((min, row) => Math.min(min, row.ratio), Number.POSITIVE_INFINITY);
console.log(`\nlowest ratio: ${slowest.toFixed(2)}x (target >= 1.00x on every row)`);

const out = join(dirname(fileURLToPath(import.meta.url)), "results", "codec.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      options,
      rows: rows.map(({ name, parleyOps, referenceOps, ratio }) => ({
        name,
        parleyOps: Math.round(parleyOps),
        referenceOps: Math.round(referenceOps),
        ratio: Number(ratio.toFixed(3)),
      })),
    },
    null,
    2,
  )}\n`,
);
console.log(`results written to ${out}`);
