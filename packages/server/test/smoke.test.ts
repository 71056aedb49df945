import { afterEach, describe, expect, it } from "vitest";
import { type Harness, next, startServer, TRANSPORT_MODES } from "./helpers.js";

describe.each(TRANSPORT_MODES)("smoke over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("connects, emits both ways with acks", async () => {
    h = await startServer({}, client);
    h.io.on("connection", (socket) => {
      socket.on("hello", (a: number, cb: (x: number) => void) => cb(a + 1));
      socket.emit("welcome", "hi");
    });
    const c = h.client();
    const [msg] = await next<[string]>(c, "welcome");
    expect(msg).toBe("hi");
    const reply = await c.emitWithAck("hello", 41);
    expect(reply).toBe(42);
  });
});
