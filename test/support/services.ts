// Reachability of the real services some tests need (Redis, PostgreSQL). Where one is
// missing, its tests are skipped with a loud notice, except with CI=true: then they fail.
import { Socket } from "node:net";
import { describe } from "vitest";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Trust auth on the local server; `.ci/run` makes sure the role and database exist. */
export const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether something accepts TCP connections at `url`'s host and port (bounded: 1 s). */
function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(Number(port || defaultPort), hostname, () => done(true));
  });
}

async function describeIf(name: string, url: string, port: number): Promise<typeof describe> {
  if (await reachable(url, port)) return describe;
  const msg = `${name} is not reachable at ${url}: the tests that need it are SKIPPED`;
  if (process.env.CI === "true")
    throw new Error(`${msg.replace(" SKIPPED", "")} (CI=true: failing)`);
  console.warn(`\n*** ${msg} ***\n`);
  return describe.skip as typeof describe;
}

/** `describe` when Redis answers, `describe.skip` (with a notice) otherwise. */
export const describeRedis = () => describeIf("Redis", REDIS_URL, 6379);
/** `describe` when PostgreSQL answers, `describe.skip` (with a notice) otherwise. */
export const describePostgres = () => describeIf("PostgreSQL", PG_URL, 5432);

let keys = 0;
/** A name no other test file (or run) shares: Redis keys, channel prefixes, table names. */
export function uniqueName(name: string): string {
  return `parley_test_${name}_${process.pid}_${Date.now().toString(36)}_${keys++}`;
}
