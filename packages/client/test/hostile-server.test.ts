import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connect, next } from "./helpers.js";
import { rawServer } from "./raw-server.js";

/** What reaches the process instead of the page: every test here expects nothing. */
const escaped: unknown[] = [];
const onEscape = (err: unknown) => escaped.push(err);

beforeEach(() => {
  process.on("uncaughtException", onEscape);
  process.on("unhandledRejection", onEscape);
  process.on("warning", onEscape);
});

afterEach(() => {
  process.off("uncaughtException", onEscape);
  process.off("unhandledRejection", onEscape);
  process.off("warning", onEscape);
  expect(escaped.splice(0).map(String)).toEqual([]);
});

const valid = { sid: "s", upgrades: [], pingInterval: 10_000, pingTimeout: 5000, maxPayload: 1e6 };

describe("a hostile server's handshake", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["a negative pingInterval", { pingInterval: -1000, pingTimeout: 0 }],
    ["a zero pingTimeout", { pingTimeout: 0 }],
    ["a pingInterval past what a timer can hold", { pingInterval: 3e9 }],
    ["pingInterval + pingTimeout past what a timer can hold", { pingInterval: 2 ** 31 - 2 }],
    ["an empty sid", { sid: "" }],
  ];
  for (const [what, fields] of cases) {
    it(`${what} is a connect_error ("invalid handshake"), not a silent ping timeout`, async () => {
      const server = await rawServer({ handshake: JSON.stringify({ ...valid, ...fields }) });
      const socket = connect(server.url, { transports: ["websocket"], reconnection: false });
      let disconnects = 0;
      socket.on("disconnect", () => disconnects++);
      const [err] = await next<[Error]>(socket, "connect_error");
      expect(err.message).toBe("invalid handshake");
      expect(socket.connected).toBe(false);
      expect(disconnects).toBe(0);
    });
  }
});

describe("hostile Socket.IO packets", () => {
  it("a CONNECT_ERROR whose data is a bare string becomes the error's message", async () => {
    const server = await rawServer({
      onFrame: (ws, frame) => {
        if (frame.startsWith("40/admin,")) ws.send('44/admin,"go away"');
      },
    });
    const socket = connect(`${server.url}/admin`, {
      transports: ["websocket"],
      reconnection: false,
    });
    const [err] = await next<[Error]>(socket, "connect_error");
    expect(err.message).toBe("go away");
    expect(socket.connected).toBe(false);
  });

  it("a CONNECT, event and DISCONNECT for a namespace it never joined are ignored", async () => {
    const server = await rawServer({
      onConnect: (ws) => {
        ws.send('40/other,{"sid":"intruder"}');
        ws.send('42/other,["hello"]');
        ws.send("41/other,");
        ws.send('42["fine",1]');
      },
    });
    const socket = connect(server.url, { transports: ["websocket"] });
    let disconnects = 0;
    socket.on("disconnect", () => disconnects++);
    // Everything follows the CONNECT reply at once: listen before it arrives.
    const fine = next(socket, "fine");
    let hello = 0;
    socket.on("hello", () => hello++);
    await next(socket, "connect");
    const [value] = await fine;
    expect(value).toBe(1);
    expect(hello).toBe(0);
    expect(socket.id).toBe("socket1");
    expect(socket.connected).toBe(true);
    expect(disconnects).toBe(0);
    expect(socket.io.engine?.readyState).toBe("open");
  });
});
