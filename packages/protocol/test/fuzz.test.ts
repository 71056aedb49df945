// Fuzz: random strings, random bytes and mutations of valid packets, fed to every decoder.
// The only acceptable outcomes are a well-formed result or a ProtocolError with a known code:
// no throw, no prototype change, and no single input taking anywhere near a second (a safety
// bound against pathological slowness, not a performance threshold).
//
// Seeded PRNG, so a failure reproduces; the seed is in the test name.

import {
  type DecodeResult,
  decodeEnginePacket,
  decodePayload,
  type EnginePacket,
  PacketDecoder,
  PacketType,
  ProtocolError,
  RESERVED_EVENTS,
} from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { bytes, createRandom, KNOWN_CODES, type Random } from "./helpers.js";

const SEED = 0x5eed;
const RUNS = 100_000;
/** Generous: real inputs here take microseconds. Only catches runaway (e.g. quadratic) cases. */
const MAX_MS_PER_INPUT = 1_000;

const utf8 = new TextDecoder();

/** Characters that mean something to one of the grammars, drawn far more often than others. */
const SIGNIFICANT = '0123456789/,-[]{}":_b=+ \\.e\x1eAQIDBnulltrue';

/** Mostly short inputs (where the branches are), sometimes long ones (where the limits are). */
function randomLength(random: Random, short: number, long: number): number {
  return random.next() < 0.98 ? random.int(short) : random.int(long);
}

function randomString(random: Random): string {
  const length = randomLength(random, 40, 3_000);
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    // One draw per character: the draw picks the class and, rescaled, the character in it.
    const roll = random.next();
    codes[i] =
      roll < 0.7
        ? SIGNIFICANT.charCodeAt(Math.floor((roll / 0.7) * SIGNIFICANT.length))
        : roll < 0.9
          ? Math.floor(((roll - 0.7) / 0.2) * 0x80)
          : Math.floor(((roll - 0.9) / 0.1) * 0x10000); // includes lone surrogates
  }
  return String.fromCharCode.apply(null, codes);
}

/** A random string that starts like a packet, so the fuzz gets past the first character. */
function randomPacketLike(random: Random): string {
  const heads = ["2", "3", "0", "1", "4", "5", "6", "51-", "52-/a,", "2/admin,", "31", "b", "42["];
  return random.pick(heads) + randomString(random);
}

function randomBytes(random: Random): Uint8Array {
  const length = randomLength(random, 64, 4_096);
  const words = new Uint32Array(Math.ceil(length / 4));
  for (let i = 0; i < words.length; i++) words[i] = random.next() * 0x100000000;
  return new Uint8Array(words.buffer, 0, length);
}

/** Snapshot of the built-in prototypes that a pollution bug would touch. */
function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, Uint8Array.prototype]
    .map((p) => Object.getOwnPropertyNames(p).sort().join())
    .join("|");
}

/** Fails the test unless `result` is a ProtocolError with a known code. */
function checkError(result: ProtocolError): void {
  if (!KNOWN_CODES.has(result.code)) throw new Error(`unknown error code ${result.code}`);
}

/** A decoded Socket.IO packet must satisfy every rule the decoder promises. */
function checkPacket(result: DecodeResult): void {
  if (result === null) return;
  if (result instanceof ProtocolError) {
    checkError(result);
    return;
  }
  const { type, nsp, id, data } = result;
  if (!Number.isInteger(type) || type < 0 || type > 6) throw new Error(`bad type ${type}`);
  if (typeof nsp !== "string" || nsp[0] !== "/") throw new Error(`bad nsp ${nsp}`);
  if (id !== undefined && !(Number.isSafeInteger(id) && id >= 0)) throw new Error(`bad id ${id}`);
  if (type === PacketType.EVENT || type === PacketType.BINARY_EVENT) {
    if (!Array.isArray(data) || typeof data[0] !== "string" || RESERVED_EVENTS.has(data[0])) {
      throw new Error("bad event data");
    }
  }
  if ((type === PacketType.ACK || type === PacketType.BINARY_ACK) && !Array.isArray(data)) {
    throw new Error("bad ack data");
  }
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    // Every placeholder must have been replaced by its attachment.
    const stack: unknown[] = [data];
    while (stack.length > 0) {
      const node = stack.pop();
      if (typeof node !== "object" || node === null || ArrayBuffer.isView(node)) continue;
      if ((node as { _placeholder?: unknown })._placeholder === true) {
        throw new Error("placeholder left in a completed packet");
      }
      stack.push(...Object.values(node));
    }
  }
}

function checkEnginePacket(packet: EnginePacket): void {
  const types = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];
  if (!types.includes(packet.type)) throw new Error(`bad engine type ${packet.type}`);
  const { data } = packet;
  if (data !== undefined && typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new Error("bad engine data");
  }
}

function checkEngine(result: EnginePacket | ProtocolError): void {
  if (result instanceof ProtocolError) checkError(result);
  else checkEnginePacket(result);
}

function checkPayload(result: EnginePacket[] | ProtocolError): void {
  if (result instanceof ProtocolError) checkError(result);
  else for (const packet of result) checkEnginePacket(packet);
}

/** Runs `step` `runs` times; returns the slowest single call in milliseconds. */
function timed(runs: number, step: (i: number) => void): number {
  let slowest = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    step(i);
    const elapsed = performance.now() - start;
    if (elapsed > slowest) slowest = elapsed;
  }
  return slowest;
}

describe(`random input (seed ${SEED})`, () => {
  it(`PacketDecoder: ${RUNS} random strings and ${RUNS} random byte arrays`, () => {
    const random = createRandom(SEED);
    const before = prototypeSnapshot();
    let decoder = new PacketDecoder();
    const feed = (input: string | Uint8Array) => {
      const result = decoder.add(input);
      checkPacket(result);
      // As the server does: an error ends the session, a new one gets a new decoder.
      if (result instanceof ProtocolError) decoder = new PacketDecoder();
    };
    const inputs = Array.from({ length: 64 }, () => randomString(random));
    const slowestText = timed(RUNS, (i) => {
      const text = i % 2 === 0 ? randomPacketLike(random) : randomString(random);
      inputs[i % inputs.length] = text;
      feed(text);
    });
    const slowestBytes = timed(RUNS, (i) => {
      const data = randomBytes(random);
      // Binary frames, and the same bytes as a WebSocket text frame would deliver them.
      feed(i % 2 === 0 ? data : utf8.decode(data));
    });
    expect(Math.max(slowestText, slowestBytes)).toBeLessThan(MAX_MS_PER_INPUT);
    expect(prototypeSnapshot()).toBe(before);
  });

  it(`decodeEnginePacket: ${RUNS} random strings and ${RUNS} random byte arrays`, () => {
    const random = createRandom(SEED + 1);
    const slowestText = timed(RUNS, (i) => {
      checkEngine(
        decodeEnginePacket(i % 2 === 0 ? randomPacketLike(random) : randomString(random)),
      );
    });
    const slowestBytes = timed(RUNS, (i) => {
      const data = randomBytes(random);
      checkEngine(decodeEnginePacket(i % 2 === 0 ? data : utf8.decode(data)));
    });
    expect(Math.max(slowestText, slowestBytes)).toBeLessThan(MAX_MS_PER_INPUT);
  });

  it(`decodePayload: ${RUNS} random strings and ${RUNS} random byte arrays`, () => {
    const random = createRandom(SEED + 2);
    const slowestText = timed(RUNS, (i) => {
      const text = i % 2 === 0 ? randomPacketLike(random) : randomString(random);
      checkPayload(decodePayload(text));
    });
    const slowestBytes = timed(RUNS, () => {
      // A polling body arrives as bytes and is read as UTF-8.
      checkPayload(decodePayload(utf8.decode(randomBytes(random))));
    });
    expect(Math.max(slowestText, slowestBytes)).toBeLessThan(MAX_MS_PER_INPUT);
  });
});

/** Valid Socket.IO packets (text frame + attachments) to mutate. */
const socketSeeds: [string, Uint8Array[]][] = [
  ["0", []],
  ['0/admin,{"token":"123"}', []],
  ['0{"sid":"wZX3oN0bSVIhsaknAAAI"}', []],
  ['4{"message":"Not authorized","data":{"a":1}}', []],
  ["1/admin,", []],
  ['2["foo"]', []],
  ['2/admin,13["foo",{"a":[1,2,{"b":null}]},"x"]', []],
  ["312[]", []],
  ['51-["baz",{"_placeholder":true,"num":0}]', [bytes(1, 2, 3, 4)]],
  [
    '52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    [bytes(1, 2), bytes(3, 4)],
  ],
  ['61-15["bar",{"k":[{"_placeholder":true,"num":0}]}]', [bytes(9)]],
];

/** Valid Engine.IO frames and payloads to mutate. */
const engineSeeds = [
  '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000}',
  "2probe",
  "3probe",
  "5",
  "6",
  "4hello\x1e2\x1e4world",
  "4hello\x1ebAQIDBA==",
  '42["hello"]\x1e42["world"]',
  "bAQIDBA==",
];

/** Tokens that have broken parsers before: odd numbers, pollution keys, deep nesting. */
const TOKENS = [
  '"__proto__"',
  '"splice"',
  '"constructor"',
  '"connect"',
  '"_placeholder"',
  '{"_placeholder":true,"num":0}',
  '{"_placeholder":true,"num":"__proto__"}',
  '{"__proto__":{"x":1}}',
  "-1",
  "0.5",
  "1e309",
  "9007199254740993",
  "99999999999999999999",
  "null",
  "true",
  "{}",
  "[]",
  "[".repeat(5_000),
  "]".repeat(5_000),
  "/",
  ",",
  "-",
  "\x1e",
  "\x00",
  "b",
  "=",
  "\ud800",
];

function mutate(random: Random, seed: string): string {
  let text = seed;
  const steps = 1 + random.int(4);
  for (let s = 0; s < steps; s++) {
    const at = random.int(text.length + 1);
    switch (random.int(6)) {
      case 0: // replace one character
        text = text.slice(0, at) + SIGNIFICANT[random.int(SIGNIFICANT.length)] + text.slice(at + 1);
        break;
      case 1: // insert a token
        text = text.slice(0, at) + random.pick(TOKENS) + text.slice(at);
        break;
      case 2: // delete a range
        text = text.slice(0, at) + text.slice(at + 1 + random.int(8));
        break;
      case 3: // duplicate a range
        text = text.slice(0, at) + text.slice(at, at + random.int(16)) + text.slice(at);
        break;
      case 4: // truncate
        text = text.slice(0, at);
        break;
      default: // replace a JSON-ish value with a token
        text = text.replace(/(?<=[[,:])[^,\]}]*/, random.pick(TOKENS));
    }
  }
  return text;
}

describe(`structured mutation of valid packets (seed ${SEED})`, () => {
  it(`PacketDecoder: ${RUNS / 2} mutated packets, followed by their attachments`, () => {
    const random = createRandom(SEED + 3);
    const before = prototypeSnapshot();
    const slowest = timed(RUNS / 2, () => {
      const [seed, attachments] = random.pick(socketSeeds);
      const decoder = new PacketDecoder();
      const frames: (string | Uint8Array)[] = [mutate(random, seed), ...attachments];
      // Sometimes too few or too many attachments, or a stray text frame among them.
      if (random.next() < 0.2) frames.push(random.next() < 0.5 ? bytes(0) : '2["late"]');
      if (random.next() < 0.2) frames.pop();
      for (const frame of frames) {
        const result = decoder.add(frame);
        checkPacket(result);
        if (result instanceof ProtocolError) break;
      }
    });
    expect(slowest).toBeLessThan(MAX_MS_PER_INPUT);
    expect(prototypeSnapshot()).toBe(before);
  });

  it(`decodeEnginePacket and decodePayload: ${RUNS / 2} mutated frames and payloads`, () => {
    const random = createRandom(SEED + 4);
    const slowest = timed(RUNS / 2, () => {
      const text = mutate(random, random.pick(engineSeeds));
      checkEngine(decodeEnginePacket(text));
      checkPayload(decodePayload(text));
    });
    expect(slowest).toBeLessThan(MAX_MS_PER_INPUT);
  });

  it("the mutator really produces both valid and invalid packets", () => {
    // Guards the fuzz against silently testing only one outcome.
    const random = createRandom(SEED + 5);
    let valid = 0;
    let invalid = 0;
    for (let i = 0; i < 2_000; i++) {
      const [seed, attachments] = random.pick(socketSeeds);
      const decoder = new PacketDecoder();
      let result: DecodeResult = null;
      for (const frame of [mutate(random, seed), ...attachments]) {
        result = decoder.add(frame);
        if (result instanceof ProtocolError) break;
      }
      if (result instanceof ProtocolError) invalid++;
      else if (result !== null) valid++;
    }
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });
});
