#!/usr/bin/env node
// Runs Socket.IO's own test suites against Parley (see README.md beside this file).
//
//   SOCKETIO_REPO=<socket.io monorepo checkout or git dir> node test/upstream/run.mjs
//     [--suite=eio-protocol,sio-protocol,server,client,engine]  (default: those five)
//     [--grep=<mocha grep>] [--target=parley|official] [--timeout=<minutes per suite>]
//
// --target=official runs the same extracted, rewritten files against socket.io / engine.io /
// socket.io-client themselves: a failure there is the runner's, not Parley's.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runMocha } from "./lib/mocha.mjs";
import { startServer } from "./lib/process.mjs";
import { formatLine, summarize, writeResults } from "./lib/report.mjs";
import {
  checkBuilt,
  freshSuiteDir,
  prepareScratch,
  RESULTS,
  ROOT,
  SCRATCH,
} from "./lib/scratch.mjs";
import { openSource } from "./lib/source.mjs";
import { client } from "./suites/client.mjs";
import { engine, engineV3 } from "./suites/engine.mjs";
import { eio3Protocol, eioProtocol, sioProtocol } from "./suites/protocol.mjs";
import { server } from "./suites/server.mjs";

/**
 * @typedef {object} SuiteContext
 * @property {import("./lib/source.mjs").Source} source
 * @property {"parley" | "official"} target
 * @property {string} dir  a fresh scratch directory for this suite
 */

const SUITES = [eioProtocol, sioProtocol, server, client, engine, eio3Protocol, engineV3];
const DEFAULT = ["eio-protocol", "sio-protocol", "server", "client", "engine"];

const { values } = parseArgs({
  options: {
    suite: { type: "string" },
    grep: { type: "string" },
    target: { type: "string", default: "parley" },
    timeout: { type: "string" },
  },
});

const target = values.target === "official" ? "official" : "parley";
const names = values.suite ? values.suite.split(",") : DEFAULT;
const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(", ")}; known: ${SUITES.map((s) => s.name)}`);
  process.exit(2);
}

/** @type {import("./lib/source.mjs").Source} */
let source;
try {
  source = openSource(process.env.SOCKETIO_REPO, process.env.SOCKETIO_REF ?? "HEAD");
  if (target === "parley") checkBuilt();
  prepareScratch();
} catch (error) {
  console.error(`[upstream] ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}
const parleyCommit = gitHead();
console.log(
  `[upstream] socket.io ${source.commit.slice(0, 10)} (${source.kind}) vs ${
    target === "official" ? "the official packages" : `Parley ${parleyCommit.slice(0, 10)}`
  }`,
);

const lines = [];
let failures = 0;
for (const name of names) {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) continue;
  const line = await runSuite(suite);
  lines.push(line.text);
  failures += line.failed;
}
console.log(`\n${lines.join("\n")}`);
process.exit(failures > 0 ? 1 : 0);

/** @param {(typeof SUITES)[number]} suite */
async function runSuite(suite) {
  const dir = freshSuiteDir(suite.name);
  const resultName = target === "official" ? `${suite.name}.official` : suite.name;
  console.log(`\n[upstream] ${suite.title} (${suite.name}) …`);
  /** @type {SuiteContext} */
  const ctx = { source, target, dir };
  const setup = await suite.setup(ctx);
  if (setup.missing.length > 0) {
    console.warn(`[upstream] the source lacks ${setup.missing.join(", ")}`);
  }
  if (setup.substituted?.length > 0) {
    console.warn(`[upstream] generated stand-ins for ${setup.substituted.join(", ")}`);
  }
  const env = { UPSTREAM_SCRATCH: SCRATCH, UPSTREAM_TARGET: target, ...setup.env };
  const helper = setup.server
    ? await startServer(
        setup.server.script,
        { ...env, ...setup.server.env },
        join(RESULTS, `${resultName}.server.log`),
      )
    : null;
  // Beside the results, not in the suite directory that the next run wipes.
  const logFile = join(RESULTS, `${resultName}.log`);
  const minutes = values.timeout ? Number(values.timeout) : undefined;
  let run;
  try {
    run = await runMocha({
      cwd: dir,
      files: setup.files,
      args: setup.args,
      env,
      grep: values.grep,
      timeoutMs: minutes ? minutes * 60_000 : suite.timeoutMs,
      log: logFile,
    });
  } finally {
    helper?.stop();
  }
  const summary = summarize(run.events, run);
  const file = writeResults(
    resultName,
    {
      title: suite.title,
      target,
      socketioCommit: source.commit,
      parleyCommit,
      grep: values.grep ?? null,
      date: new Date().toISOString(),
      log: logFile,
    },
    summary,
  );
  const text = formatLine(suite.name, summary);
  console.log(text);
  for (const f of summary.failures) console.log(`  ✗ ${f.title}\n      ${f.error}`);
  for (const h of summary.hookFailures) console.log(`  ✗ [hook] ${h.title}\n      ${h.error}`);
  console.log(`  → ${file}`);
  const failed = summary.failed + summary.hookFailures.length + (summary.completed ? 0 : 1);
  return { text, failed };
}

function gitHead() {
  try {
    return execFileSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
