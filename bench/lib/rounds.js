// Interleaved rounds. On a shared machine a burst of someone else's work can land on one
// target's window and not another's; running every target once per round, in a rotated order,
// and keeping each target's median round makes the ratios far less sensitive to that.

/** The figure a round is ranked by, per scenario kind. */
const PRIMARY = {
  broadcast: "deliveriesPerSec",
  cluster: "deliveriesPerSec",
  echo: "p99Ms",
  connect: "connectsPerSec",
};

/**
 * @param {string} kind
 * @returns {string | undefined}
 */
export function primaryMetric(kind) {
  return /** @type {Record<string, string>} */ (PRIMARY)[kind];
}

/**
 * The order targets run in during round `round`: rotated, so none is always first or last.
 * @template T
 * @param {T[]} list
 * @param {number} round
 * @returns {T[]}
 */
export function rotation(list, round) {
  const shift = list.length === 0 ? 0 : round % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

/**
 * Folds one target's rounds into one result: the median round by the primary metric, with loss
 * summed over every round (a message lost in any round is lost) and each round's key figures
 * kept for the JSON.
 * @param {string} kind
 * @param {any[]} results  one per round; errors and skips are objects with `error` / `skipped`
 * @returns {any}
 */
export function combineRounds(kind, results) {
  const ok = results.filter((r) => r.error === undefined && r.skipped === undefined);
  if (ok.length === 0) return results[0];
  if (results.length === 1) return results[0];
  const metric = primaryMetric(kind);
  const ranked =
    metric === undefined
      ? ok
      : [...ok].sort((a, b) => (a[metric] ?? Number.NaN) - (b[metric] ?? Number.NaN));
  const median = ranked[(ranked.length - 1) >> 1];
  /** @param {string} field */
  const sum = (field) => ok.reduce((total, r) => total + (r[field] ?? 0), 0);
  return {
    ...median,
    lost: sum("lost"),
    disorder: sum("disorder"),
    roundsFailed: results.length - ok.length,
    rounds: results.map((r) =>
      r.error !== undefined || r.skipped !== undefined
        ? { error: r.error ?? r.skipped }
        : {
            [metric ?? "value"]: metric === undefined ? undefined : r[metric],
            lost: r.lost,
            loadgenCpu: r.loadgenCpu?.percent,
            serverCpu: r.serverCpu,
            coreBusy: r.coreBusy,
          },
    ),
  };
}
