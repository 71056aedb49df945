import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built chat server (`npm run build` at the root, or in examples/chat). */
export const CHAT_SERVER = fileURLToPath(new URL("../../dist/server.js", import.meta.url));

export interface ServerProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** SIGKILL: the abrupt death the restart test needs; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts a Node server script as a child process and resolves with the port it printed
 * (`http://localhost:<port>`). `PORT=0` unless `env.PORT` says otherwise. History stays in the
 * server's memory unless `env.REDIS_URL` is given: CI exports REDIS_URL for the whole run, and
 * servers of different test files must not share one Redis history.
 */
export function startServer(
  script: string,
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<ServerProcess> {
  if (!existsSync(script)) {
    return Promise.reject(
      new Error(`${script} is missing: run \`npm run build\` at the root first`),
    );
  }
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: "0", REDIS_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`server did not print its URL within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/(?:localhost|127\.0\.0\.1|\[::\]|0\.0\.0\.0):(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({ port, url: `http://127.0.0.1:${port}/`, child, output: () => output, kill });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}
