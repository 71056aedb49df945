import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

// Debug logging as engine.io users turn it on: `DEBUG=engine*` (engine.io's names) or
// `DEBUG=parley:engine*`. `debug` reads DEBUG when loaded, so each run is a child process; it
// runs the engine bundled from source (no build needed).

const pkgDir = fileURLToPath(new URL("../..", import.meta.url));
let script = "";

beforeAll(async () => {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("./fixtures/debug-server.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    conditions: ["source"],
    external: ["ws", "debug"],
    logLevel: "silent",
  });
  script = out.outputFiles[0]?.text ?? "";
});

function run(debug: string | undefined): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.DEBUG;
  // Plain lines (no colors, no time diff) whatever the terminal.
  env.DEBUG_COLORS = "0";
  if (debug !== undefined) env.DEBUG = debug;
  return new Promise((resolve, reject) => {
    // On stdin, not as an `-e` argument: the bundle outgrew one argument's limit (128 KiB,
    // spawn E2BIG). Imports still resolve from `cwd`.
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-"],
      { cwd: pkgDir, env, timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })),
    );
    child.stdin?.end(script);
  });
}

/** The logger names that printed, from `debug`'s `<date> <name> <message>` lines. */
function names(stderr: string): Set<string> {
  const out = new Set<string>();
  for (const line of stderr.split("\n")) {
    const name = /^\S+ (\S+) /.exec(line)?.[1];
    if (name !== undefined) out.add(name);
  }
  return out;
}

describe("engine debug logging", () => {
  it("DEBUG=engine* prints under engine.io's names: handshake, packets, close", async () => {
    const { stdout, stderr } = await run("engine*");
    expect(stdout).toBe("done\n");
    expect([...names(stderr)].sort()).toEqual([
      "engine",
      "engine:polling",
      "engine:socket",
      "engine:ws",
    ]);
    expect(stderr).toMatch(/engine handshaked client "[\w-]+" on websocket/);
    expect(stderr).toMatch(/engine:ws received "4hello"/);
    expect(stderr).toMatch(/engine:ws writing message "hello"/);
    expect(stderr).toMatch(/engine:socket sid [\w-]+: closed \(transport close\)/);
    expect(stderr).toMatch(/engine:polling writing "0\{/);
  });

  it("DEBUG=parley:engine* prints the same under Parley's names", async () => {
    const { stderr } = await run("parley:engine*");
    expect([...names(stderr)].sort()).toEqual([
      "parley:engine",
      "parley:engine:polling",
      "parley:engine:socket",
      "parley:engine:ws",
    ]);
  });

  it("prints nothing without DEBUG", async () => {
    const { stdout, stderr } = await run(undefined);
    expect(stdout).toBe("done\n");
    expect(stderr).toBe("");
  });
});
