import { describe, expect, it } from "vitest";
import { io as browserIo } from "../src/browser.js";
import { io, Manager } from "../src/index.js";

// Options socket.io-client has and Parley does not: refused at construction, never ignored.
const make = (opts: object) =>
  io("http://127.0.0.1:1", { autoConnect: false, forceNew: true, ...opts });

describe("socket.io-client options Parley does not implement", () => {
  it.each([
    [{ requestTimeout: 1000 }, /"requestTimeout" is not supported/],
    [{ transportOptions: { polling: {} } }, /"transportOptions" is not supported/],
    [{ forceBase64: true }, /"forceBase64" is not supported/],
    [{ addTrailingSlash: false }, /"addTrailingSlash" is not supported/],
    [{ hostname: "example.com" }, /"hostname" is not supported: give the server in the URL/],
    [{ transports: [class {}] }, /"transports" is not supported with transport classes/],
  ])("%j throws a TypeError naming the option", (opts, message) => {
    expect(() => make(opts)).toThrow(TypeError);
    expect(() => make(opts)).toThrow(message);
    expect(() => new Manager({ autoConnect: false, ...opts } as object)).toThrow(message);
  });

  it("accepts the values that mean what Parley does anyway, and options it does not know", () => {
    for (const opts of [
      { rejectUnauthorized: true },
      { agent: false },
      { forceBase64: false },
      { addTrailingSlash: true },
      { timestampParam: "t" },
      { transports: ["webtransport", "websocket"] },
      { tryAllTransports: true },
      { timestampRequests: true },
      { someOptionOfMine: 1 },
    ]) {
      expect(() => make(opts).io.close()).not.toThrow();
    }
  });
});

describe("Node-only options (TLS, agent)", () => {
  const tls = [
    { rejectUnauthorized: false },
    { ca: "-----BEGIN CERTIFICATE-----" },
    { cert: "c", key: "k" },
    { pfx: "p", passphrase: "secret" },
    { ciphers: "HIGH" },
    { agent: {} },
    { perMessageDeflate: false },
  ];

  it.each(tls)("%j is taken by the Node entry", (opts) => {
    expect(() => make(opts).io.close()).not.toThrow();
  });

  it.each(tls)("%j is refused by the browser entry", (opts) => {
    const build = () =>
      browserIo("http://127.0.0.1:1", { autoConnect: false, forceNew: true, ...opts });
    expect(build).toThrow(TypeError);
    expect(build).toThrow(/is Node-only/);
  });

  it("the browser entry accepts the values that mean what a browser does", () => {
    const socket = browserIo("http://127.0.0.1:1", {
      autoConnect: false,
      forceNew: true,
      rejectUnauthorized: true,
      agent: false,
    });
    socket.io.close();
  });
});
