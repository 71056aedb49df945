import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ConnectionCloseReason } from "../../src/engine/index.js";
import {
  collect,
  nextConnection,
  pollingHandshake,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

const REASONS: ConnectionCloseReason[] = ["transport close", "transport error", "parse error"];

// Bodies biased towards what the decoder cares about: packet digits, separators, base64.
const pollingBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7", "b", "b!!", "4x", ""),
        fc.string({ maxLength: 8 }),
      ),
      {
        maxLength: 30,
      },
    )
    .map((parts) => parts.join("\x1e")),
);

describe("fuzz: random input never takes the server down", () => {
  it("polling POST bodies: answered 200/400/413, at most that session ends", async () => {
    const h = await startEngine({ maxHttpBufferSize: 150 });
    const reasons: string[] = [];
    h.engine.on("connection", (s) => s.on("close", (r) => reasons.push(r)));
    await fc.assert(
      fc.asyncProperty(pollingBody, async (body) => {
        const { sid } = await pollingHandshake(h);
        const res = await fetch(h.url(`transport=polling&sid=${sid}`), { method: "POST", body });
        expect([200, 400, 413]).toContain(res.status);
        await res.arrayBuffer();
      }),
      { numRuns: 80 },
    );
    for (const r of reasons) expect(REASONS).toContain(r);
    expect((await pollingHandshake(h)).sid).toBeTruthy();
  });

  it("websocket frames (text and binary): sessions end only with a contract reason", async () => {
    const h = await startEngine({ maxHttpBufferSize: 300 });
    const frame = fc.oneof(
      fc.string({ maxLength: 400 }).map((s) => ({ text: true as const, data: s })),
      fc
        .uint8Array({ maxLength: 400 })
        .map((b) => ({ text: false as const, data: Buffer.from(b) })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        const conn = nextConnection(h.engine);
        const ws = new WebSocket(h.wsUrl("transport=websocket"));
        ws.on("error", () => {});
        const c = await conn;
        const closed = collect<string>(c, "close");
        await new Promise((r) => ws.once("open", r));
        for (const f of frames) if (ws.readyState === WebSocket.OPEN) ws.send(f.data);
        // Give the server a moment to process the frames.
        await new Promise((r) => setTimeout(r, 5));
        for (const r of closed) expect(REASONS).toContain(r);
        ws.terminate();
        await until(() => c.readyState === "closed");
      }),
      { numRuns: 40 },
    );
    expect((await pollingHandshake(h)).sid).toBeTruthy();
  });

  it("random query strings: always a JSON error or a handshake, never a crash", async () => {
    const h = await startEngine();
    const key = fc.constantFrom("EIO", "transport", "sid", "__proto__", "constructor", "t", "b64");
    const value = fc.oneof(
      fc.constantFrom("4", "3", "polling", "websocket", "__proto__", ""),
      fc.string({ maxLength: 10 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 5 }), async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const res = await fetch(`http://127.0.0.1:${h.port}/socket.io/?${qs}`);
        const text = await res.text();
        if (res.status === 200) expect(text[0]).toBe("0");
        else {
          expect([400, 403]).toContain(res.status);
          const body = JSON.parse(text) as { code: number; message: string };
          expect(body.code).toBeGreaterThanOrEqual(0);
          expect(body.code).toBeLessThanOrEqual(5);
        }
      }),
      { numRuns: 100 },
    );
  });
});
