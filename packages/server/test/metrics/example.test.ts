import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The README's runnable example, run as a user would: a child `node` on the built package.
const pkgDir = fileURLToPath(new URL("../..", import.meta.url));
const built =
  existsSync(`${pkgDir}dist/metrics/index.cjs`) && existsSync(`${pkgDir}dist/dashboard/index.cjs`);
if (!built) {
  const notice = `${pkgDir}dist/metrics missing: run \`npm run build\` to run the example`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n*** SKIPPED: ${notice}\n`);
}

describe.skipIf(!built)("examples/metrics-dashboard.mjs", () => {
  it("runs and prints the metrics of its own traffic", async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.DASHBOARD_CREDENTIAL;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["examples/metrics-dashboard.mjs"],
      {
        cwd: pkgDir,
        env,
        timeout: 15_000,
      },
    );
    expect(stdout).toContain('parley_connections_total{namespace="/"} 2');
    expect(stdout).toContain(
      'parley_ack_latency_seconds_count{namespace="/",initiator="client"} 5',
    );
    expect(stdout).toContain('parley_broadcast_recipients_sum{namespace="/"} 5');
  });

  it("refuses to serve the dashboard without a credential", async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.DASHBOARD_CREDENTIAL;
    const run = promisify(execFile)(
      process.execPath,
      ["examples/metrics-dashboard.mjs", "--serve"],
      {
        cwd: pkgDir,
        env,
        timeout: 15_000,
      },
    );
    await expect(run).rejects.toMatchObject({
      stderr: expect.stringMatching(/there is no default password/),
    });
  });
});
