import { createConnection } from "node:net";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** True when something answers PING at REDIS_URL within a second. */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || "127.0.0.1", port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/**
 * Redis-backed tests run when Redis answers; otherwise they are skipped with a loud notice,
 * except in CI, where a missing Redis is a broken environment and must fail.
 */
export async function requireRedis(what: string): Promise<boolean> {
  if (await redisReachable()) return true;
  const notice = `Redis is not reachable at ${REDIS_URL}: ${what}`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n!!! SKIPPING: ${notice}. Start redis-server or set REDIS_URL.\n`);
  return false;
}

/** A key prefix no other run or test shares. */
export function uniquePrefix(label: string): string {
  return `parley-chat-test:${label}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
}
