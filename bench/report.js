// Turns raw scenario results into table rows, checks the project's goals (ratios against
// socket.io from the same run), and prints the table.

const BASELINE = "socketio";

/**
 * @typedef {"higher" | "lower" | undefined} Better   undefined: a diagnostic, no ratio
 * @typedef {{ op: ">=" | "<=", ratio: number }} Goal  Parley's value over socket.io's
 * @typedef {object} Row
 * @property {string} section
 * @property {string} label
 * @property {string} unit
 * @property {Better} better
 * @property {Record<string, number | undefined>} values
 * @property {Record<string, string>} notes   per target: why there is no value, or a warning
 * @property {Goal | undefined} goal
 * @property {boolean} [zeroGoal]             the goal is "exactly 0" (lost messages)
 */

/** @param {number} n */
export function shortCount(n) {
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}

/**
 * @param {any} results
 * @returns {Row[]}
 */
export function buildRows(results) {
  /** @type {Row[]} */
  const rows = [];
  const ids = results.targets.map((/** @type {{ id: string }} */ t) => t.id);

  /**
   * @param {any} scenario
   * @param {Omit<Row, "values" | "notes" | "section" | "goal"> & { goal?: Goal, zeroGoal?: boolean }} spec
   * @param {(raw: any) => number | undefined} pick
   */
  const add = (scenario, spec, pick) => {
    /** @type {Record<string, number | undefined>} */
    const values = {};
    /** @type {Record<string, string>} */
    const notes = {};
    for (const id of ids) {
      const raw = scenario.byTarget[id];
      if (raw === undefined) notes[id] = "-";
      else if (raw.skipped !== undefined)
        notes[id] = raw.skipped.length <= 28 ? raw.skipped : "skip";
      else if (raw.error !== undefined) notes[id] = "error";
      else {
        const value = pick(raw);
        values[id] = value === undefined || Number.isNaN(value) ? undefined : value;
        if (raw.loadgenCpu?.percent > 90 && spec.better !== undefined) notes[id] = "LG-bound";
      }
    }
    const section =
      scenario.rounds > 1
        ? `${scenario.title} (median of ${scenario.rounds} rounds)`
        : scenario.title;
    rows.push({ section, goal: undefined, ...spec, values, notes });
  };

  for (const scenario of results.scenarios) {
    if (scenario.kind === "broadcast" || scenario.kind === "cluster") {
      const n = shortCount(scenario.params.clients);
      const what = scenario.kind === "cluster" ? `cross-node ${n}` : `broadcast ${n}`;
      add(
        scenario,
        {
          label: `${what}: deliveries/s`,
          unit: "/s",
          better: "higher",
          ...(scenario.kind === "broadcast" ? { goal: { op: ">=", ratio: 3 } } : {}),
        },
        (r) => r.deliveriesPerSec,
      );
      add(
        scenario,
        { label: `${what}: per server CPU-second`, unit: "/s", better: "higher" },
        (r) => perCpuSecond(r, "deliveriesPerSec"),
      );
      add(
        scenario,
        { label: `${what}: lost + out of order`, unit: "n", better: undefined, zeroGoal: true },
        (r) => r.lost + r.disorder,
      );
      add(
        scenario,
        { label: `${what}: load generator CPU`, unit: "%", better: undefined },
        (r) => r.loadgenCpu?.percent,
      );
      add(scenario, { label: `${what}: server CPU`, unit: "%", better: undefined }, (r) =>
        Array.isArray(r.serverCpu)
          ? r.serverCpu.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0)
          : /** @type {number | undefined} */ (r.serverCpu),
      );
      add(
        scenario,
        { label: `${what}: server core busy, any process`, unit: "%", better: undefined },
        (r) => r.coreBusy?.[1],
      );
    } else if (scenario.kind === "echo") {
      const p = scenario.params;
      const what = `echo ${p.clients}×${p.ratePerClient}/s`;
      add(scenario, { label: `${what}: p50`, unit: "ms", better: "lower" }, (r) => r.p50Ms);
      add(
        scenario,
        { label: `${what}: p99`, unit: "ms", better: "lower", goal: { op: "<=", ratio: 0.75 } },
        (r) => r.p99Ms,
      );
      add(scenario, { label: `${what}: p999`, unit: "ms", better: "lower" }, (r) => r.p999Ms);
      add(
        scenario,
        { label: `${what}: lost`, unit: "n", better: undefined, zeroGoal: true },
        (r) => r.lost,
      );
      add(
        scenario,
        { label: `${what}: load generator CPU`, unit: "%", better: undefined },
        (r) => r.loadgenCpu?.percent,
      );
    } else if (scenario.kind === "memory") {
      scenario.params.steps.forEach((/** @type {number} */ step, /** @type {number} */ i) => {
        const what = `idle ${shortCount(step)}`;
        const pickStep = (/** @type {any} */ r) => r.steps?.[i];
        add(
          scenario,
          {
            label: `${what}: RSS/conn`,
            unit: "KiB",
            better: "lower",
            goal: { op: "<=", ratio: 0.5 },
          },
          (r) => kib(pickStep(r)?.rssPerConn),
        );
        add(scenario, { label: `${what}: heap/conn`, unit: "KiB", better: "lower" }, (r) =>
          kib(pickStep(r)?.heapPerConn),
        );
        add(
          scenario,
          { label: `${what}: RSS/conn right after connecting`, unit: "KiB", better: "lower" },
          (r) => kib(pickStep(r)?.earlyRssPerConn),
        );
        add(
          scenario,
          {
            label: `${what}: settle wait (20 s = limit, not settled)`,
            unit: "s",
            better: undefined,
          },
          (r) => {
            const ms = pickStep(r)?.settleMs;
            return ms === undefined ? undefined : ms / 1000;
          },
        );
        add(
          scenario,
          { label: `${what}: connections held`, unit: "n", better: undefined },
          (r) => pickStep(r)?.connections,
        );
      });
    } else if (scenario.kind === "connect") {
      const what = `connect ${shortCount(scenario.params.count)} (${scenario.params.concurrency} in flight)`;
      add(
        scenario,
        {
          label: `${what}: connects/s`,
          unit: "/s",
          better: "higher",
          goal: { op: ">=", ratio: 2 },
        },
        (r) => r.connectsPerSec,
      );
      add(
        scenario,
        { label: `${what}: per server CPU-second`, unit: "/s", better: "higher" },
        (r) => perCpuSecond(r, "connectsPerSec"),
      );
      add(
        scenario,
        { label: `${what}: handshake p99`, unit: "ms", better: "lower" },
        (r) => r.handshakeP99Ms,
      );
      add(
        scenario,
        { label: `${what}: load generator CPU`, unit: "%", better: undefined },
        (r) => r.loadgenCpu?.percent,
      );
    }
  }

  if (results.bundle !== undefined) {
    const b = results.bundle;
    /** @type {Record<string, number | undefined>} */
    const values = { socketio: kib(b.socketio?.gzipBytes), parley: kib(b.parley?.gzipBytes) };
    rows.push({
      section: "client bundle",
      label: "browser client: min+gzip",
      unit: "KiB",
      better: "lower",
      values,
      notes: Object.fromEntries(
        ids
          .filter((/** @type {string} */ id) => values[id] === undefined)
          .map((/** @type {string} */ id) => [id, id === "parley" ? "missing" : "-"]),
      ),
      goal: undefined,
    });
  }
  return rows;
}

/**
 * Work per second of server CPU time: the rate divided by the server's CPU share over the
 * window (all nodes summed). On a shared machine the rate itself swings with how much of its
 * core the server got; work per CPU-second swings far less, so it is the steadier comparison
 * of efficiency (it is what the rate would be with a whole core, if the server is CPU-bound).
 * With several rounds, the median over the rounds.
 * @param {any} r
 * @param {string} metric
 * @returns {number | undefined}
 */
function perCpuSecond(r, metric) {
  /** @param {any} round */
  const one = (round) => {
    const cpu = Array.isArray(round.serverCpu)
      ? round.serverCpu.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0)
      : round.serverCpu;
    const rate = round[metric];
    return typeof cpu === "number" && cpu > 0 && typeof rate === "number"
      ? rate / (cpu / 100)
      : undefined;
  };
  const rounds = Array.isArray(r.rounds) ? r.rounds : [r];
  const values = rounds
    .map(one)
    .filter((/** @type {number | undefined} */ v) => v !== undefined)
    .sort((/** @type {number} */ a, /** @type {number} */ b) => a - b);
  return values.length === 0 ? undefined : values[(values.length - 1) >> 1];
}

/** @param {number | undefined} bytes */
function kib(bytes) {
  return bytes === undefined ? undefined : bytes / 1024;
}

/**
 * Parley's pass/fail against each goal row, and zero loss over every loss row.
 * @param {Row[]} rows
 */
export function evaluateGoals(rows) {
  /** @type {{ label: string, want: string, got: string, pass: boolean | undefined }[]} */
  const goals = [];
  for (const row of rows) {
    if (row.goal === undefined) continue;
    const ratio = ratioOf(row, "parley");
    const want = `${row.goal.op} ${row.goal.ratio}×`;
    goals.push({
      label: row.label,
      want,
      got: ratio === undefined ? "n/a" : `${ratio.toFixed(2)}×`,
      pass:
        ratio === undefined
          ? undefined
          : row.goal.op === ">="
            ? ratio >= row.goal.ratio
            : ratio <= row.goal.ratio,
    });
  }
  const lossRows = rows.filter((row) => row.zeroGoal);
  const measured = lossRows.filter((row) => row.values.parley !== undefined);
  const lost = measured.reduce((sum, row) => sum + (row.values.parley ?? 0), 0);
  goals.push({
    label: "lost or out-of-order messages (all scenarios)",
    want: "= 0",
    got: measured.length === 0 ? "n/a" : String(lost),
    pass: measured.length === 0 ? undefined : lost === 0,
  });
  return goals;
}

/**
 * @param {Row} row
 * @param {string} id
 */
function ratioOf(row, id) {
  const value = row.values[id];
  const base = row.values[BASELINE];
  if (value === undefined || base === undefined || base === 0) return undefined;
  return value / base;
}

/**
 * @param {number | undefined} value
 * @param {string} unit
 */
export function formatValue(value, unit) {
  if (value === undefined) return "";
  if (unit === "/s") {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)}k`;
    return value.toFixed(0);
  }
  if (unit === "ms") return `${value.toFixed(value >= 100 ? 0 : 2)} ms`;
  if (unit === "KiB") return `${value.toFixed(2)} KiB`;
  if (unit === "%") return `${value.toFixed(0)} %`;
  if (unit === "s") return `${value.toFixed(0)} s`;
  return String(Math.round(value));
}

/**
 * The table as lines of text; with `markdown`, as a Markdown table (for docs/PERFORMANCE.md).
 * @param {any} results
 * @param {Row[]} rows
 * @param {boolean} [markdown]
 */
export function renderTable(results, rows, markdown = false) {
  const targets = /** @type {{ id: string, label: string }[]} */ (results.targets);
  const header = ["metric", ...targets.map((t) => t.label), "parley goal"];
  /** @type {string[][]} */
  const body = [];
  let section = "";
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      body.push(markdown ? [`**${section}**`, ...targets.map(() => ""), ""] : [`— ${section}`]);
    }
    const cells = targets.map((t) => {
      const note = row.notes[t.id];
      const value = row.values[t.id];
      if (value === undefined) return note ?? "";
      let text = formatValue(value, row.unit);
      const ratio = row.better === undefined || t.id === BASELINE ? undefined : ratioOf(row, t.id);
      if (ratio !== undefined) text += ` (${ratio.toFixed(2)}×)`;
      if (note !== undefined) text += ` ${note}`;
      return text;
    });
    let goal = "";
    if (row.goal !== undefined) {
      const ratio = ratioOf(row, "parley");
      const pass =
        ratio === undefined
          ? "n/a"
          : (row.goal.op === ">=" ? ratio >= row.goal.ratio : ratio <= row.goal.ratio)
            ? "PASS"
            : "FAIL";
      goal = `${row.goal.op} ${row.goal.ratio}× ${pass}`;
    } else if (row.zeroGoal) {
      const v = row.values.parley;
      goal = `= 0 ${v === undefined ? "n/a" : v === 0 ? "PASS" : "FAIL"}`;
    }
    body.push([row.label, ...cells, goal]);
  }
  /** @type {number[]} */
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.filter((r) => r.length > 1).map((r) => (r[i] ?? "").length)),
  );
  const line = (/** @type {string[]} */ cells) => {
    const text = cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join(" | ");
    return markdown ? `| ${text} |` : text;
  };
  const rule = markdown
    ? `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`
    : widths.map((w) => "-".repeat(w)).join("-|-");
  const out = [line(header), rule];
  for (const r of body) out.push(r.length === 1 ? (r[0] ?? "") : line(r));
  return out;
}
