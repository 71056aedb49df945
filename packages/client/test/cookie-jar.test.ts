import { describe, expect, it } from "vitest";
import {
  CookieJar,
  defaultPath,
  MAX_COOKIES,
  parseCookieDate,
  parseSetCookie,
  pathMatches,
} from "../src/engine/cookie-jar.js";

const URL_HTTP = "http://app.example.com/socket.io/?EIO=4&transport=polling";
const NOW = Date.UTC(2030, 0, 1);
const parse = (header: string, url = URL_HTTP) => parseSetCookie(header, new URL(url), NOW);

describe("cookie dates (RFC 6265 5.1.1)", () => {
  it("reads the formats servers send, always as UTC", () => {
    const t = Date.UTC(2015, 9, 21, 7, 28, 0);
    expect(parseCookieDate("Wed, 21 Oct 2015 07:28:00 GMT")).toBe(t);
    expect(parseCookieDate("Wednesday, 21-Oct-15 07:28:00 GMT")).toBe(t);
    expect(parseCookieDate("Wed Oct 21 07:28:00 2015")).toBe(t);
    expect(parseCookieDate("21 october 2015 7:28:0")).toBe(t);
    expect(parseCookieDate("Thu, 01 Jan 70 00:00:00 GMT")).toBe(0);
  });

  it("refuses what is not a date", () => {
    for (const bad of [
      "",
      "tomorrow",
      "Wed, 21 Oct 2015",
      "Wed, 32 Oct 2015 07:28:00 GMT",
      "Wed, 30 Feb 2015 07:28:00 GMT",
      "Wed, 21 Oct 2015 24:00:00 GMT",
      "Wed, 21 Oct 1600 07:28:00 GMT",
    ]) {
      expect(parseCookieDate(bad), bad).toBeUndefined();
    }
  });
});

describe("Set-Cookie parsing (RFC 6265 5.2, 5.3)", () => {
  it("a bare cookie: value kept verbatim, default path, session lifetime", () => {
    expect(parse(' AWSALB = "abc=def" ')).toEqual({
      name: "AWSALB",
      value: '"abc=def"',
      path: "/socket.io",
      expires: Number.POSITIVE_INFINITY,
      secure: false,
    });
  });

  it("attribute names are case-insensitive; unknown and browser-only ones are ignored", () => {
    const c = parse("io=s1; PATH=/; hTtPoNlY; SameSite=Lax; Partitioned; Priority=High; Foo=bar");
    expect(c).toMatchObject({ name: "io", value: "s1", path: "/", secure: false });
  });

  it("Max-Age wins over Expires in either order; the last of a repeated attribute counts", () => {
    const soon = NOW + 60_000;
    expect(parse("a=1; Max-Age=60; Expires=Wed, 21 Oct 2015 07:28:00 GMT")?.expires).toBe(soon);
    expect(parse("a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=60")?.expires).toBe(soon);
    expect(parse("a=1; Max-Age=60; Max-Age=0")?.expires).toBe(Number.NEGATIVE_INFINITY);
    expect(parse("a=1; Max-Age=-5")?.expires).toBe(Number.NEGATIVE_INFINITY);
  });

  it("an Expires or Max-Age that does not parse is ignored, not taken as expired", () => {
    expect(parse("a=1; Expires=someday")?.expires).toBe(Number.POSITIVE_INFINITY);
    expect(parse("a=1; Max-Age=1e3")?.expires).toBe(Number.POSITIVE_INFINITY);
    expect(parse("a=1; Max-Age=")?.expires).toBe(Number.POSITIVE_INFINITY);
  });

  it("refuses a cookie without '=', with an empty name, or larger than 4096", () => {
    expect(parse("justavalue")).toBeUndefined();
    expect(parse("=value")).toBeUndefined();
    expect(parse(`big=${"x".repeat(4094)}`)).toBeUndefined();
    expect(parse(`big=${"x".repeat(4093)}`)).toBeDefined();
  });

  it("Domain: accepted for the host or a parent domain, refused for any other", () => {
    expect(parse("a=1; Domain=app.example.com")).toBeDefined();
    expect(parse("a=1; Domain=.Example.COM")).toBeDefined();
    expect(parse("a=1; Domain=other.com")).toBeUndefined();
    expect(parse("a=1; Domain=pp.example.com")).toBeUndefined();
    expect(parse("a=1; Domain=0.0.1", "http://127.0.0.1/")).toBeUndefined();
    expect(parse("a=1; Domain=127.0.0.1", "http://127.0.0.1/")).toBeDefined();
  });

  it("Secure: only from https or wss", () => {
    expect(parse("a=1; Secure")).toBeUndefined();
    expect(parse("a=1; Secure", "https://app.example.com/socket.io/")?.secure).toBe(true);
    expect(parse("a=1; Secure", "wss://app.example.com/socket.io/")?.secure).toBe(true);
  });

  it("Path: one that does not start with '/' means the default path", () => {
    expect(parse("a=1; Path=/api")?.path).toBe("/api");
    expect(parse("a=1; Path=api")?.path).toBe("/socket.io");
    expect(parse("a=1; Path=")?.path).toBe("/socket.io");
  });
});

describe("paths (RFC 6265 5.1.4)", () => {
  it("default path and path-match", () => {
    expect(defaultPath("/socket.io/")).toBe("/socket.io");
    expect(defaultPath("/x")).toBe("/");
    expect(defaultPath("")).toBe("/");
    expect(pathMatches("/socket.io/", "/")).toBe(true);
    expect(pathMatches("/socket.io/", "/socket.io")).toBe(true);
    expect(pathMatches("/socket.io/", "/socket.io/")).toBe(true);
    expect(pathMatches("/socket.iox/", "/socket.io")).toBe(false);
    expect(pathMatches("/socket.io/", "/api")).toBe(false);
  });
});

describe("CookieJar", () => {
  it("sends what applies, longer paths first, replaces by name and path", () => {
    const jar = new CookieJar();
    jar.store(URL_HTTP, ["a=1; Path=/", "b=2", "c=3; Path=/api", "a=4; Path=/"]);
    expect(jar.header(URL_HTTP)).toBe("b=2; a=4");
    expect(jar.header("ws://app.example.com/socket.io/?EIO=4&transport=websocket")).toBe(
      "b=2; a=4",
    );
  });

  it("a cookie set already expired deletes the stored one; expired ones are not sent", async () => {
    const jar = new CookieJar();
    jar.store(URL_HTTP, ["a=1", "b=2", "c=3; Max-Age=1"]);
    jar.store(URL_HTTP, ["a=; Max-Age=0", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
    expect(jar.header(URL_HTTP)).toBe("c=3");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(jar.header(URL_HTTP)).toBeUndefined();
    expect(jar.size).toBe(0);
  });

  it(`holds at most ${MAX_COOKIES} cookies, evicting the oldest`, () => {
    const jar = new CookieJar();
    const headers = Array.from({ length: MAX_COOKIES + 5 }, (_, i) => `c${i}=${i}`);
    jar.store(URL_HTTP, headers);
    expect(jar.size).toBe(MAX_COOKIES);
    const sent = jar.header(URL_HTTP)?.split("; ") ?? [];
    expect(sent[0]).toBe("c5=5");
    expect(sent.at(-1)).toBe(`c${MAX_COOKIES + 4}=${MAX_COOKIES + 4}`);
  });
});
