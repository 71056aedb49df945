import { once } from "node:events";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { Server } from "../src/index.js";

/** Calls `io.close(cb)` and resolves with what `cb` got, once the promise settled too. */
async function closeWithCallback(io: Server): Promise<unknown[]> {
  let got: unknown[] | undefined;
  await io.close((...args) => {
    got = args;
  });
  if (got === undefined) throw new Error("close callback not called");
  return got;
}

describe("io.close(cb)", () => {
  it("gives ERR_SERVER_NOT_RUNNING when its HTTP server is not listening, as socket.io", async () => {
    const io = new Server(createServer());
    const [err] = await closeWithCallback(io);
    expect((err as NodeJS.ErrnoException | undefined)?.code).toBe("ERR_SERVER_NOT_RUNNING");
  });

  it("gives it on a second close too", async () => {
    const http = createServer();
    const io = new Server(http);
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    expect(await closeWithCallback(io)).toEqual([undefined]);
    const [err] = await closeWithCallback(io);
    expect((err as NodeJS.ErrnoException | undefined)?.code).toBe("ERR_SERVER_NOT_RUNNING");
  });

  it("calls cb() without an error when there is no HTTP server at all", async () => {
    const io = new Server();
    expect(await closeWithCallback(io)).toEqual([]);
  });
});
