import { afterEach, describe, expect, it, vi } from "vitest";
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

  it("needs a URL outside a page, and defaults bare hosts to https", () => {
    expect(() => parseUri(undefined)).toThrow("a URL is required");
    expect(parseUri("localhost:3000").origin).toBe("https://localhost:3000");
  });
});
