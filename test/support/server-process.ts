import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";

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
 * (`http://localhost:<port>`). `PORT=0` unless `env.PORT` says otherwise. REDIS_URL is cleared
 * unless `env.REDIS_URL` is given: CI exports it for the whole run, and servers of different
 * test files must not share state in one Redis (the chat keeps its history there when set).
 */
export function startServer(
  script: string,
  env: Record<string, string> = {},
  timeoutMs = 15_000,
  /** The runtime that runs `script` (this Node by default; the Bun tests pass bun's binary). */
  runtime = process.execPath,
): Promise<ServerProcess> {
  if (!existsSync(script)) {
    return Promise.reject(
      new Error(`${script} is missing: run \`npm run build\` at the root first`),
    );
  }
  const child = spawn(runtime, [script], {
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
