// Turns a suite's event stream into totals and a results file: each failing test's full title
// and first error line, failing hooks apart, and the tests that never ran.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RESULTS } from "./scratch.mjs";

/**
 * @param {object[]} events  lines written by reporter.cjs
 * @param {{ timedOut: boolean, exitCode: number | null }} run
 */
export function summarize(events, run) {
  let total = 0;
  let ended = false;
  let current = null;
  /** @type {Map<number, {title: string, status: string, error?: string}>} */
  const tests = new Map();
  const hooks = [];
  for (const e of events) {
    if (e.event === "start") total = e.total;
    else if (e.event === "test") current = e.title;
    else if (e.event === "pass") {
      // A test can pass and fail later ("done() called multiple times"): failure wins.
      if (!tests.has(e.id)) tests.set(e.id, { title: e.title, status: "passed" });
    } else if (e.event === "pending") tests.set(e.id, { title: e.title, status: "pending" });
    else if (e.event === "fail" && e.kind === "test") {
      // The first error is the telling one ("done() called multiple times" comes after).
      const seen = tests.get(e.id);
      if (seen?.status !== "failed")
        tests.set(e.id, { title: e.title, status: "failed", error: withPrinted(e) });
    } else if (e.event === "fail") hooks.push({ title: e.title, error: withPrinted(e) });
    else if (e.event === "end") ended = true;
  }
  const count = (status) => [...tests.values()].filter((t) => t.status === status).length;
  const passed = count("passed");
  const failed = count("failed");
  const pending = count("pending");
  return {
    total,
    passed,
    failed,
    pending,
    notRun: Math.max(0, total - passed - failed - pending),
    completed: ended && !run.timedOut,
    timedOut: run.timedOut,
    exitCode: run.exitCode,
    // The test that was running when a hung suite was killed.
    hungIn: ended ? null : current,
    failures: [...tests.values()]
      .filter((t) => t.status === "failed")
      .map((t) => ({ title: t.title, error: t.error })),
    hookFailures: hooks,
    passedTitles: [...tests.values()].filter((t) => t.status === "passed").map((t) => t.title),
  };
}

/**
 * @param {string} suite
 * @param {object} meta
 * @param {ReturnType<typeof summarize>} summary
 */
export function writeResults(suite, meta, summary) {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${suite}.json`);
  writeFileSync(file, `${JSON.stringify({ suite, ...meta, ...summary }, null, 2)}\n`);
  return file;
}

/**
 * @param {string} suite
 * @param {ReturnType<typeof summarize>} s
 */
export function formatLine(suite, s) {
  const extra = [
    s.failed ? `${s.failed} failed` : "",
    s.pending ? `${s.pending} skipped upstream` : "",
    s.notRun ? `${s.notRun} not run` : "",
    s.hookFailures.length ? `${s.hookFailures.length} hook failures` : "",
    s.timedOut ? `TIMED OUT in "${s.hungIn ?? "?"}"` : "",
    !s.completed && !s.timedOut ? `CRASHED (exit ${s.exitCode})` : "",
  ].filter(Boolean);
  // Skipped upstream (it.skip) are not counted as runnable, as socket.io's own totals do.
  const runnable = s.total - s.pending;
  return `${suite.padEnd(13)} ${String(s.passed).padStart(4)}/${String(runnable).padEnd(4)} passed${
    extra.length ? `  (${extra.join(", ")})` : ""
  }`;
}

/** A failure's first line, and the first error the test printed (e.g. one a handler threw). */
function withPrinted(e) {
  return e.printed ? `${e.error} [printed: ${e.printed}]` : e.error;
}
