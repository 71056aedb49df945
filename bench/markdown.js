// Prints the machine block and the table of a results file (default bench/results/latest.json)
// as Markdown, for pasting into docs/PERFORMANCE.md after a quiet run. The table is rebuilt
// from the raw figures with the current report code:  node bench/markdown.js [file.json]

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRows, evaluateGoals, renderTable } from "./report.js";

const file =
  process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");
const results = JSON.parse(readFileSync(file, "utf8"));
const rows = buildRows(results);
const m = results.machine;

console.log(`- ${m.cpuModel}, ${m.nproc} cores (nproc), ${m.memTotalGiB} GiB, ${m.platform}`);
console.log(
  `- Node ${m.node}; ${results.targets.map((/** @type {{ label: string }} */ t) => t.label).join(", ")}`,
);
console.log(`- ${m.pinned}; open files ${m.openFilesLimit}; ephemeral ports ${m.ephemeralPorts}`);
console.log(
  `- ${results.mode} run of ${results.date}, ${results.durationS} s; load average ` +
    `${m.loadAverage.join(" ")} at start, ${m.loadAverageAtEnd.join(" ")} at end`,
);
console.log("");
for (const line of renderTable(results, rows, true)) console.log(line);
console.log("");
for (const goal of evaluateGoals(rows)) {
  const verdict = goal.pass === undefined ? "n/a" : goal.pass ? "PASS" : "FAIL";
  console.log(`- ${verdict}: ${goal.label}: want ${goal.want}, got ${goal.got}`);
}
if (results.codec?.table !== undefined) {
  console.log("\nCodec (`bench/codec.js`):\n\n```");
  console.log(results.codec.table);
  console.log("```");
}
