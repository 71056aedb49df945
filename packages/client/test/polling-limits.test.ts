import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { Manager, type ManagerOptions } from "../src/index.js";
import { next, onCleanup } from "./helpers.js";
import { HANDSHAKE, type RawPollingOptions, rawPollingServer } from "./raw-polling-server.js";

/** A polling-only Manager that never reconnects, closed after the test. */
function manager(url: string, opts: Partial<ManagerOptions> = {}): Manager {
  const m = new Manager(url, { transports: ["polling"], reconnection: false, ...opts });
  onCleanup(() => m.close());
  return m;
}

/**
 * Streams a `message` packet of `total` bytes without Content-Length (chunked), as fast as the
 * client reads, and resolves with the bytes handed to the socket when the stream ended.
 */
async function flood(res: ServerResponse, total: number): Promise<number> {
  res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" });
  const chunk = Buffer.alloc(64 * 1024, "x");
  res.write("4");
  let written = 1;
  const closed = once(res, "close");
  // Bounded by `total`; ends early once the client hangs up.
  while (written < total && !res.destroyed) {
    if (!res.write(chunk)) await Promise.race([once(res, "drain"), closed]);
    written += chunk.length;
  }
  res.end();
  return written;
}

const MAX = 100_000;
const FLOOD = 64 * 1024 * 1024;

/** Connects, then answers the first long-poll with `answer`; resolves with the close. */
async function closeAfterPoll(onPoll: NonNullable<RawPollingOptions["onPoll"]>) {
  const server = await rawPollingServer({ onPoll });
  const m = manager(server.url, { maxPayload: MAX });
  const closed = next<[string, Error & { code?: string }]>(m, "close");
  await next(m, "open");
  return { server, closed: await closed };
}

describe("polling: a response body is held to maxPayload", () => {
  it("a declared Content-Length past maxPayload fails at once, before the body", async () => {
    const { server, closed } = await closeAfterPoll((res) => {
      // Declares 50 MB, sends a few bytes, then nothing: only the header can end this.
      res.writeHead(200, { "content-length": String(50_000_000) });
      res.write("4xxxxxxxx");
    });
    const [reason, err] = closed;
    expect(reason).toBe("parse error");
    expect(err.code).toBe("PACKET_TOO_LARGE");
    const poll = server.requests.find((r) => r.method === "GET" && r.sid !== null);
    expect(await poll?.closed).toBe(true);
  });

  it("a chunked body is cut off (fetch aborted) as soon as it passes maxPayload", async () => {
    let written: Promise<number> | undefined;
    const { closed } = await closeAfterPoll((res) => {
      written = flood(res, FLOOD);
    });
    const [reason, err] = closed;
    expect(reason).toBe("parse error");
    expect(err.code).toBe("PACKET_TOO_LARGE");
    expect(err.message).toContain("maxPayload");
    // What the client read is at most maxPayload plus a chunk; the rest is what the kernel's
    // socket buffers held. A client reading to the end would have taken all 64 MB.
    expect(await written).toBeLessThan(FLOOD / 4);
  });

  it("an oversized handshake is a connect_error with PACKET_TOO_LARGE", async () => {
    const server = await rawPollingServer({
      handshake: { ...HANDSHAKE, padding: "x".repeat(2 * MAX) },
    });
    const m = manager(server.url, { maxPayload: MAX });
    const [err] = await next<[Error & { code?: string }]>(m, "error");
    expect(err.code).toBe("PACKET_TOO_LARGE");
  });

  it("a body of exactly maxPayload bytes is accepted, one byte more is not", async () => {
    const server = await rawPollingServer();
    const size = Buffer.byteLength(`0${JSON.stringify(HANDSHAKE)}`);
    const ok = manager(server.url, { maxPayload: size });
    await next(ok, "open");
    const tooSmall = manager(server.url, { maxPayload: size - 1 });
    const [err] = await next<[Error & { code?: string }]>(tooSmall, "error");
    expect(err.code).toBe("PACKET_TOO_LARGE");
  });

  it("counts bytes, not characters: multi-byte text past maxPayload fails", async () => {
    const { closed } = await closeAfterPoll((res) => {
      // 40 000 three-byte characters: 40 001 UTF-16 units, 120 001 bytes (MAX is 100 000).
      res.end(`4${"€".repeat(40_000)}`);
    });
    expect(closed[1].code).toBe("PACKET_TOO_LARGE");
  });
});
