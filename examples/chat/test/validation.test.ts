import { describe, expect, it } from "vitest";
import { checkNick, checkOutgoing, checkRoom, checkText, LIMITS } from "../src/validation.js";

describe("checkNick", () => {
  it("trims, collapses inner whitespace and normalises", () => {
    expect(checkNick("  Ada   Lovelace ")).toEqual({ ok: true, value: "Ada Lovelace" });
    // "e" + combining acute → the single precomposed "é"
    expect(checkNick("Jose\u0301")).toEqual({ ok: true, value: "José" });
  });

  it("rejects empty, non-string, too long and control characters with NICK_INVALID", () => {
    for (const bad of ["", "   ", 42, null, undefined, { nick: "x" }]) {
      const res = checkNick(bad);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code).toBe("NICK_INVALID");
    }
    const long = checkNick("x".repeat(LIMITS.nickMax + 1));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.error.message).toContain(String(LIMITS.nickMax));
    expect(checkNick("bad\u0007bell").ok).toBe(false);
    expect(checkNick("evil\u202Eesrever").ok).toBe(false);
  });

  it("counts code points, so an emoji nickname at the limit is accepted", () => {
    expect(checkNick("😀".repeat(LIMITS.nickMax)).ok).toBe(true);
    expect(checkNick("😀".repeat(LIMITS.nickMax + 1)).ok).toBe(false);
  });
});

describe("checkRoom", () => {
  it("lower-cases and accepts letters, digits, - and _", () => {
    expect(checkRoom(" Dev-Ops_2 ")).toEqual({ ok: true, value: "dev-ops_2" });
  });

  it("rejects names that are empty, too long, or use other characters", () => {
    for (const bad of [
      "",
      "-lead",
      "with space",
      "a/b",
      "<script>",
      "x".repeat(LIMITS.roomMax + 1),
    ]) {
      const res = checkRoom(bad);
      expect(res.ok, bad).toBe(false);
      if (!res.ok) expect(res.error.code).toBe("ROOM_INVALID");
    }
  });
});

describe("checkText", () => {
  it("keeps markup as-is: escaping is the renderer's job, not the validator's", () => {
    expect(checkText("<b>hi</b>")).toEqual({ ok: true, value: "<b>hi</b>" });
  });

  it("allows newlines and tabs but not other control characters", () => {
    expect(checkText("line 1\n\tline 2").ok).toBe(true);
    expect(checkText("nul\u0000byte").ok).toBe(false);
  });

  it("reports MESSAGE_TOO_LONG with the actual length", () => {
    const res = checkText("a".repeat(LIMITS.messageMax + 5));
    expect(res).toMatchObject({ ok: false, error: { code: "MESSAGE_TOO_LONG" } });
    if (!res.ok) expect(res.error.message).toContain(String(LIMITS.messageMax + 5));
    expect(checkText("a".repeat(LIMITS.messageMax)).ok).toBe(true);
  });

  it("rejects blank messages", () => {
    expect(checkText(" \n ")).toMatchObject({ ok: false, error: { code: "MESSAGE_INVALID" } });
  });
});

describe("checkOutgoing", () => {
  const good = { room: "general", text: "hello", clientId: "abcdef0123456789" };

  it("accepts a well-formed message and cleans its fields", () => {
    expect(checkOutgoing({ ...good, room: "General", text: " hello " })).toEqual({
      ok: true,
      value: good,
    });
  });

  it("reports the first problem: shape, room, text, then client id", () => {
    expect(checkOutgoing("hello")).toMatchObject({ ok: false, error: { code: "MESSAGE_INVALID" } });
    expect(checkOutgoing(null)).toMatchObject({ ok: false, error: { code: "MESSAGE_INVALID" } });
    expect(checkOutgoing({ ...good, room: "no way" })).toMatchObject({
      ok: false,
      error: { code: "ROOM_INVALID" },
    });
    expect(checkOutgoing({ ...good, text: 7 })).toMatchObject({
      ok: false,
      error: { code: "MESSAGE_INVALID" },
    });
    expect(checkOutgoing({ ...good, clientId: "short" })).toMatchObject({
      ok: false,
      error: { message: "Malformed message id." },
    });
  });
});
