import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { connect, next, onCleanup, SERVER_KINDS, startServer } from "./helpers.js";

type ConnectError = Error & { type?: string; description?: unknown; context?: unknown };

function connectError(url: string, opts: Parameters<typeof connect>[1]): Promise<ConnectError> {
  const socket = connect(url, { reconnection: false, ...opts });
  return next<[ConnectError]>(socket, "connect_error").then(([err]) => err);
}

describe.each(SERVER_KINDS)(
  "connect_error reports the first transport's failure (%s server)",
  (kind) => {
    it("a wrong path: 'xhr poll error' with the 404 status, not the WebSocket fallback's error", async () => {
      // Like an Express app: everything that is not Socket.IO's gets a 404.
      const server = await startServer({}, () => {}, kind);
      server.http.prependListener("request", (req, res) => {
        if (!req.url?.startsWith("/socket.io/")) res.writeHead(404).end("Cannot GET");
      });
      const err = await connectError(server.url, { path: "/wrong/" });
      expect(err.message).toBe("xhr poll error");
      expect(err.type).toBe("TransportError");
      expect(err.description).toBe(404);
      expect(err.context).toEqual({ status: 404, responseText: "Cannot GET" });
    });

    it("a refused handshake (allowRequest): the 403 and the server's answer", async () => {
      const server = await startServer(
        { allowRequest: (_req, cb) => cb(null, false) },
        () => {},
        kind,
      );
      const err = await connectError(server.url, {});
      expect(err.message).toBe("xhr poll error");
      expect(err.description).toBe(403);
      expect(err.context).toMatchObject({ status: 403 });
      expect(JSON.parse((err.context as { responseText: string }).responseText)).toMatchObject({
        code: 4,
      });
    });
  },
);

describe("connect_error when nothing answers", () => {
  async function downUrl(): Promise<string> {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    await new Promise((resolve) => http.close(resolve));
    return url;
  }

  it("polling: 'xhr poll error' whose description is the network error", async () => {
    const err = await connectError(await downUrl(), {});
    expect(err.message).toBe("xhr poll error");
    expect(err.type).toBe("TransportError");
    expect(err.description).toBeInstanceOf(Error);
  });

  it("WebSocket only: 'websocket error'", async () => {
    const err = await connectError(await downUrl(), { transports: ["websocket"] });
    expect(err.message).toBe("websocket error");
    expect(err.type).toBe("TransportError");
  });
});

describe("a CORS refusal (parley server, which enforces CORS on every request)", () => {
  it("is 'xhr poll error' with the 403, not the WebSocket fallback's 'websocket error'", async () => {
    const server = await startServer(
      { cors: { origin: "https://allowed.example" } },
      () => {},
      "parley",
    );
    onCleanup(() => server.close());
    const err = await connectError(server.url, {
      extraHeaders: { origin: "https://elsewhere.example" },
    });
    expect(err.message).toBe("xhr poll error");
    expect(err.description).toBe(403);
    expect(err.context).toMatchObject({ status: 403 });
  });
});
