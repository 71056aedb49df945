import { describe, expect, it } from "vitest";
import { TypedEmitter } from "../src/typed-emitter.js";

// The emitter behind Socket and Namespace stores a lone listener as the function itself and
// its table as a fast-mode object: these pin down EventEmitter's semantics on that storage.

type Fn = (...args: unknown[]) => void;

class Emitter extends TypedEmitter<Record<string, Fn>, Record<string, Fn>> {
  errors: [unknown, string][] = [];
  fire(ev: string, ...args: unknown[]): boolean {
    return this.emitLocal(ev, args);
  }
  override reportListenerError(err: unknown, event: string): void {
    this.errors.push([err, event]);
  }
}

describe("TypedEmitter", () => {
  it("calls listeners in order: prepend, once, prependOnce", () => {
    const e = new Emitter();
    const calls: string[] = [];
    e.on("x", () => calls.push("a"));
    e.once("x", () => calls.push("once"));
    e.prependListener("x", () => calls.push("first"));
    e.prependOnceListener("x", () => calls.push("first once"));
    expect(e.listenerCount("x")).toBe(4);
    expect(e.fire("x")).toBe(true);
    expect(calls).toEqual(["first once", "first", "a", "once"]);
    calls.length = 0;
    e.fire("x");
    expect(calls).toEqual(["first", "a"]);
    expect(e.listenerCount("x")).toBe(2);
  });

  it("a lone once listener fires once and leaves no event name behind", () => {
    const e = new Emitter();
    let n = 0;
    e.once("x", (v) => {
      n += v as number;
    });
    expect(e.eventNames()).toEqual(["x"]);
    expect(e.fire("x", 2)).toBe(true);
    expect(e.fire("x", 2)).toBe(false);
    expect(n).toBe(2);
    expect(e.eventNames()).toEqual([]);
  });

  it("off removes the most recent registration of the function, once ones included", () => {
    const e = new Emitter();
    const calls: string[] = [];
    const f = () => calls.push("f");
    const g = () => calls.push("g");
    e.on("x", f);
    e.on("x", g);
    e.once("x", f);
    e.off("x", f);
    expect(e.listeners("x")).toEqual([f, g]);
    e.off("x", f);
    expect(e.listeners("x")).toEqual([g]);
    e.off("x", f);
    e.off("y", f);
    expect(e.listeners("x")).toEqual([g]);
    e.removeListener("x", g);
    expect(e.listenerCount("x")).toBe(0);
    expect(e.eventNames()).toEqual([]);
    expect(e.fire("x")).toBe(false);
    expect(calls).toEqual([]);
  });

  it("listeners added or removed during an emit take effect from the next one", () => {
    const e = new Emitter();
    const calls: string[] = [];
    const late = () => calls.push("late");
    const b = () => calls.push("b");
    e.on("x", () => {
      calls.push("a");
      e.on("x", late);
      e.off("x", b);
    });
    e.on("x", b);
    e.fire("x");
    expect(calls).toEqual(["a", "b"]);
    calls.length = 0;
    e.fire("x");
    expect(calls).toEqual(["a", "late"]);
  });

  it("names that are Object.prototype keys or __proto__ are ordinary events", () => {
    const e = new Emitter();
    const names = ["__proto__", "toString", "constructor", "hasOwnProperty", "valueOf"];
    for (const name of names) {
      expect(e.listenerCount(name)).toBe(0);
      expect(e.listeners(name)).toEqual([]);
      expect(e.fire(name)).toBe(false);
    }
    const seen: string[] = [];
    for (const name of names) e.on(name, (v) => seen.push(`${name}:${String(v)}`));
    for (const name of names) expect(e.fire(name, 1)).toBe(true);
    expect(seen).toEqual(names.map((n) => `${n}:1`));
    expect(e.eventNames()).toEqual(names);
    e.removeAllListeners("__proto__");
    expect(e.listenerCount("__proto__")).toBe(0);
    expect(e.eventNames()).toEqual(names.slice(1));
    e.removeAllListeners();
    expect(e.eventNames()).toEqual([]);
  });

  it("a throwing or rejecting listener is reported and the others still run", async () => {
    const e = new Emitter();
    const calls: string[] = [];
    const boom = new Error("boom");
    e.on("x", () => {
      throw boom;
    });
    e.on("x", async () => {
      throw boom;
    });
    e.on("x", () => calls.push("after"));
    e.fire("x");
    await Promise.resolve();
    expect(calls).toEqual(["after"]);
    expect(e.errors).toEqual([
      [boom, "x"],
      [boom, "x"],
    ]);
    expect(() => e.on("x", "nope" as unknown as Fn)).toThrow(TypeError);
  });
});
