// node:cluster apps for tests: bundled from TypeScript sources (bundle.ts), then started as a
// primary that prints one JSON line once its workers are ready, and `{"log": …}` lines for
// its workers' debug output.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type Bundle, bundleEntry } from "./bundle.js";

/** Bundles the cluster app at `entry` (see bundle.ts). */
export function bundleApp(entry: string): Promise<Bundle> {
  return bundleEntry(entry, "parley-cluster-app-");
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
  /** The workers' debug lines so far (each prefixed with its worker id), if the app sends them. */
  logs: string[];
  /** SIGKILLs one worker; resolves once the process is gone. */
  killWorker(id: number): Promise<void>;
  /** Ends the primary and every worker. */
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
    const logs: string[] = [];
    let started: { port?: number; workers: Omit<WorkerInfo, "url">[] } | undefined;
    lines.on("line", (line) => {
      const parsed = JSON.parse(line) as { log?: string };
      if (parsed.log !== undefined) {
        logs.push(parsed.log);
        return;
      }
      if (started !== undefined) return;
      clearTimeout(timer);
      started = parsed as { port?: number; workers: Omit<WorkerInfo, "url">[] };
      const workers = started.workers.map((w) => ({ ...w, url: `http://127.0.0.1:${w.port}` }));
      resolve({
        primary,
        url: started.port === undefined ? undefined : `http://127.0.0.1:${started.port}`,
        workers,
        logs,
        async killWorker(id) {
          const w = workers.find((x) => x.id === id);
          if (w === undefined) throw new Error(`no worker ${id}`);
          process.kill(w.pid, "SIGKILL");
          await processGone(w.pid);
        },
        async stop() {
          if (primary.exitCode === null && primary.signalCode === null) primary.kill("SIGTERM");
          await gone;
          // The primary SIGKILLs its workers on SIGTERM; make sure none outlives the test.
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

async function processGone(pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process ${pid} did not die`);
}
