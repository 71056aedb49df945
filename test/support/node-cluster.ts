// node:cluster apps for tests: bundled from TypeScript sources (esbuild follows
// tsconfig.base.json's `paths`, so workers run the code under test, not a stale dist/),
// then started as a primary that prints one JSON line once its workers are ready.
// The pattern of packages/cluster-adapter/test/fixtures/processes.ts, for any entry.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** tsconfig.base.json's `paths` map every @parley/* import to its sources. */
const TSCONFIG = fileURLToPath(new URL("../../tsconfig.base.json", import.meta.url));

export async function bundleApp(entry: string): Promise<{ file: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "parley-cluster-app-"));
  const file = join(dir, "app.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: file,
    logLevel: "error",
    tsconfig: TSCONFIG,
    external: ["bufferutil", "utf-8-validate"],
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WorkerInfo {
  id: number;
  pid: number;
  port: number;
  url: string;
}

export interface ClusterApp {
  primary: ChildProcess;
  /** The primary's URL when it listens (sticky sessions). */
  url: string | undefined;
  workers: WorkerInfo[];
  stop(): Promise<void>;
}

/** Starts the primary with `env`; resolves once it printed `{port?, workers}` (15 s bound). */
export function startApp(file: string, env: Record<string, string>): Promise<ClusterApp> {
  const primary = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const gone = new Promise<void>((resolve) => primary.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      primary.kill("SIGKILL");
      reject(new Error("the cluster app did not start within 15 s"));
    }, 15_000);
    const lines = createInterface({ input: primary.stdout as NodeJS.ReadableStream });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const started = JSON.parse(line) as { port?: number; workers: Omit<WorkerInfo, "url">[] };
      const workers = started.workers.map((w) => ({ ...w, url: `http://127.0.0.1:${w.port}` }));
      resolve({
        primary,
        url: started.port === undefined ? undefined : `http://127.0.0.1:${started.port}`,
        workers,
        async stop() {
          if (primary.exitCode === null && primary.signalCode === null) primary.kill("SIGTERM");
          await gone;
          for (const w of workers) {
            try {
              process.kill(w.pid, "SIGKILL");
            } catch {}
          }
        },
      });
    });
    primary.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the cluster app exited early (${String(code)})`));
    });
  });
}
