// Prints the machine block and the table of bench/results/latest.json as Markdown, for pasting
// into docs/PERFORMANCE.md after a quiet run:  node bench/markdown.js

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const file = join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");
const results = JSON.parse(readFileSync(file, "utf8"));
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
for (const line of results.markdown) console.log(line);
console.log("");
for (const goal of results.goals) {
  const verdict = goal.pass === undefined ? "n/a" : goal.pass ? "PASS" : "FAIL";
  console.log(`- ${verdict}: ${goal.label}: want ${goal.want}, got ${goal.got}`);
}
if (results.codec?.table !== undefined) {
  console.log("\nCodec (`bench/codec.js`):\n\n```");
  console.log(results.codec.table);
  console.log("```");
}
