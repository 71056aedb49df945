// A mocha reporter that appends one JSON line per event to the file named by
// UPSTREAM_EVENTS, as it happens: when a suite hangs and is killed, what ran so far (and the
// test it hung in) is still known. The JSON reporter only writes at the very end.
"use strict";

const { appendFileSync } = require("node:fs");

function firstLine(err) {
  if (!err) return "";
  const text = (err.message !== undefined ? String(err.message) : String(err))
    // mocha's advice after a timeout is the same every time.
    .replace(/^(Timeout of \d+ms exceeded)\..*$/s, "$1");
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const name = err.name && err.name !== "Error" ? `${err.name}: ` : "";
  return (name + line).slice(0, 300);
}

class LineReporter {
  constructor(runner) {
    const file = process.env.UPSTREAM_EVENTS;
    // Titles can repeat (two "should handle 304" in one describe): results are keyed by the
    // runnable object instead, through a number given on first sight.
    const ids = new WeakMap();
    let nextId = 0;
    const id = (runnable) => {
      if (!ids.has(runnable)) ids.set(runnable, nextId++);
      return ids.get(runnable);
    };
    const write = (event) => {
      if (file) appendFileSync(file, `${JSON.stringify(event)}\n`);
    };
    // A server that catches exceptions thrown by user handlers (Parley does, by design) turns a
    // failed `expect` inside a handler into a test timeout. Errors printed with console.error
    // during a test are kept, and the first one is shown with that test's failure.
    let printed = [];
    const consoleError = console.error;
    console.error = (...args) => {
      const err = args.find((a) => a instanceof Error);
      if (err && printed.length < 3) printed.push(firstLine(err));
      consoleError.apply(console, args);
    };
    runner.once("start", () => write({ event: "start", total: runner.total }));
    runner.on("test", (test) => {
      printed = [];
      write({ event: "test", id: id(test), title: test.fullTitle() });
    });
    runner.on("pass", (test) => write({ event: "pass", id: id(test), title: test.fullTitle() }));
    runner.on("pending", (test) =>
      write({ event: "pending", id: id(test), title: test.fullTitle() }),
    );
    runner.on("fail", (runnable, err) => {
      write({
        event: "fail",
        id: id(runnable),
        // A failing hook skips the rest of its describe block: report it apart from tests.
        kind: runnable.type === "hook" ? "hook" : "test",
        title: runnable.fullTitle(),
        error: firstLine(err),
        ...(printed.length > 0 ? { printed: printed[0] } : {}),
      });
    });
    runner.once("end", () => write({ event: "end" }));
  }
}

module.exports = LineReporter;
