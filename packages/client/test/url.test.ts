import { afterEach, describe, expect, it, vi } from "vitest";
import { io, Manager } from "../src/index.js";
import { parseUri } from "../src/url.js";

describe("parseUri", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("takes the origin and the namespace from a full URL", () => {
    expect(parseUri("https://example.com:8443/chat?x=1")).toEqual({
      origin: "https://example.com:8443",
      nsp: "/chat",
      query: "x=1",
    });
    expect(parseUri("http://example.com")).toEqual({
      origin: "http://example.com",
      nsp: "/",
      query: "",
    });
    expect(parseUri("ws://example.com/admin").origin).toBe("ws://example.com");
  });

  it("resolves against the page's location", () => {
    vi.stubGlobal("location", { protocol: "https:", host: "app.example:444" });
    expect(parseUri(undefined)).toEqual({ origin: "https://app.example:444", nsp: "/", query: "" });
    expect(parseUri("/admin")).toEqual({
      origin: "https://app.example:444",
      nsp: "/admin",
      query: "",
    });
    expect(parseUri("//other.example/x").origin).toBe("https://other.example");
    expect(parseUri("other.example:3000").origin).toBe("https://other.example:3000");
  });

  it("outside a page, no URL means http://localhost (as socket.io-client's Manager), bare hosts get https", () => {
    expect(parseUri(undefined)).toEqual({ origin: "http://localhost", nsp: "/", query: "" });
    expect(parseUri("/admin")).toEqual({ origin: "http://localhost", nsp: "/admin", query: "" });
    expect(parseUri("localhost:3000").origin).toBe("https://localhost:3000");
  });
});

describe("io() and new Manager() without a URL in Node", () => {
  it("do not throw, and aim at http://localhost", () => {
    const socket = io({ autoConnect: false, forceNew: true });
    expect(socket.io.uri).toBe("http://localhost");
    expect(socket.nsp).toBe("/");
    expect(io("/admin", { autoConnect: false, forceNew: true }).nsp).toBe("/admin");
    expect(new Manager({ autoConnect: false }).uri).toBe("http://localhost");
    expect(new Manager(undefined, { autoConnect: false }).uri).toBe("http://localhost");
  });
});
