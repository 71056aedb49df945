// A mocha reporter that appends one JSON line per event to the file named by
// UPSTREAM_EVENTS, as it happens: when a suite hangs and is killed, what ran so far (and the
// test it hung in) is still known. The JSON reporter only writes at the very end.
"use strict";

const { appendFileSync } = require("node:fs");

function firstLine(err) {
  if (!err) return "";
  const text = err.message !== undefined ? String(err.message) : String(err);
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const name = err.name && err.name !== "Error" ? `${err.name}: ` : "";
  return (name + line).slice(0, 300);
}

class LineReporter {
  constructor(runner) {
    const file = process.env.UPSTREAM_EVENTS;
    const write = (event) => {
      if (file) appendFileSync(file, `${JSON.stringify(event)}\n`);
    };
    runner.once("start", () => write({ event: "start", total: runner.total }));
    runner.on("test", (test) => write({ event: "test", title: test.fullTitle() }));
    runner.on("pass", (test) => write({ event: "pass", title: test.fullTitle() }));
    runner.on("pending", (test) => write({ event: "pending", title: test.fullTitle() }));
    runner.on("fail", (runnable, err) => {
      write({
        event: "fail",
        // A failing hook skips the rest of its describe block: report it apart from tests.
        kind: runnable.type === "hook" ? "hook" : "test",
        title: runnable.fullTitle(),
        error: firstLine(err),
      });
    });
    runner.once("end", () => write({ event: "end" }));
  }
}

module.exports = LineReporter;
