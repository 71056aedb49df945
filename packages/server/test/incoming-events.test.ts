import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, startServer, TRANSPORT_MODES, until } from "./helpers.js";

// The incoming event path (src/socket-incoming.ts): events of one read are handed to their
// handlers together after that read, from one queue, in arrival order.
describe.each(TRANSPORT_MODES)("incoming events over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  async function oneSocket(): Promise<{ s: Socket; c: ReturnType<Harness["client"]> }> {
    h = await startServer({}, client);
    let s: Socket | undefined;
    h.io.on("connection", (socket) => {
      s = socket;
    });
    const c = h.client();
    await until(() => s !== undefined && c.connected, "connection");
    return { s: s as Socket, c };
  }

  it("runs a burst of events in arrival order, acks included, past a handler that throws", async () => {
    const { s, c } = await oneSocket();
    const errors: unknown[] = [];
    h.io.on("handler_error", (err: unknown) => errors.push(err));
    const seen: number[] = [];
    s.on("n", (i: number, ack?: (r: number) => void) => {
      seen.push(i);
      if (i === 10) throw new Error("handler failed on 10");
      ack?.(i * 2);
    });
    const acked: Promise<number>[] = [];
    // One tick: on WebSocket most of these share TCP reads, on polling one payload.
    for (let i = 0; i < 200; i++) {
      if (i % 7 === 0) acked.push(c.emitWithAck("n", i));
      else c.emit("n", i);
    }
    await until(() => seen.length === 200, "all 200 events handled");
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(await Promise.all(acked)).toEqual(Array.from({ length: 29 }, (_, k) => k * 7 * 2));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain("handler failed on 10");
  });
});
