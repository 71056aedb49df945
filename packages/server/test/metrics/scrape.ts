/** Reading Prometheus text exposition, as a scraper does: one sample by name and labels. */

export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`GET ${url}: content-type ${type}`);
  return res.text();
}

/** The value of sample `name{labels}` (labels matched exactly, in any order), or undefined. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) {
      found[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, "$1");
    }
    const keys = Object.keys(labels);
    if (keys.length !== Object.keys(found).length) continue;
    if (keys.every((k) => found[k] === labels[k])) return Number(match[3]);
  }
  return undefined;
}
