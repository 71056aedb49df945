import { execFile as execFileCallback } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The packages as npm publishes them. Every workspace package is packed (`npm pack`, from its
// built dist/), the tarballs are installed into a fresh project outside the repository, and
// that project imports, requires and type-checks them the way users do: Node's ESM and
// CommonJS loaders, and `tsc --noEmit` with `skipLibCheck: false` under the four module
// resolutions people use (node16, nodenext, bundler, classic node).
//
// No network: third-party dependencies come from the workspace's node_modules, packed into
// tarballs and pinned with npm `overrides`, and npm runs `--offline`. Overrides only replace
// dependencies that something declares, so a dependency a package forgets to declare (say
// the server's `@types/ws`) is missing in the consumer, as it would be for a user.
//
// It needs a build (`npm run build`; `.ci/run` builds before testing). Without one it is
// skipped with a notice, except under CI=true, where a missing build is an error.

const execFile = promisify(execFileCallback);
const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");

interface Manifest {
  name: string;
  version: string;
  license?: string;
  main?: string;
  module?: string;
  types?: string;
  exports: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  files?: string[];
  scripts?: Record<string, string>;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const PACKAGES = ["protocol", "server", "client", "redis-adapter", "cluster-adapter"].map(
  (dir) => ({
    dir: `packages/${dir}`,
    manifest: readManifest(join(root, "packages", dir)),
  }),
);

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
}

/** Every file path an `exports` value can lead to. */
function exportTargets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(exportTargets);
}

/** Every condition name used in an `exports` map (the keys that are not subpaths). */
function exportConditions(value: unknown): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(key.startsWith(".") ? [] : [key]),
    ...exportConditions(inner),
  ]);
}

/** Files a package.json points at, wildcards left out (`./dist/browser/*`). */
function referencedFiles(manifest: Manifest): string[] {
  const typesVersions = Object.values(manifest.typesVersions ?? {}).flatMap((map) =>
    Object.values(map).flat(),
  );
  return [
    manifest.main,
    manifest.module,
    manifest.types,
    ...exportTargets(manifest.exports),
    ...typesVersions,
  ]
    .filter((path): path is string => path !== undefined && !path.includes("*"))
    .map((path) => path.replace(/^\.\//, ""));
}

const missingBuild = [
  ...new Set(
    PACKAGES.flatMap(({ dir, manifest }) =>
      referencedFiles(manifest)
        .filter((file) => !existsSync(join(root, dir, file)))
        .map((file) => `${dir}/${file}`),
    ),
  ),
];
const built = missingBuild.length === 0;
if (!built) {
  const more = missingBuild.length > 3 ? ` and ${missingBuild.length - 3} more` : "";
  const notice = `${missingBuild.slice(0, 3).join(", ")}${more} missing: run \`npm run build\` to test the packed packages`;
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n*** SKIPPED: ${notice}\n`);
}

/**
 * The environment for child npm and node processes: without the `npm_*` variables that
 * `npm test` sets (`npm_config_local_prefix` would point a child npm at this repository).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "INIT_CWD" && key !== "NODE_OPTIONS") env[key] = value;
  }
  return env;
}

async function run(
  command: string,
  args: string[],
  cwd: string,
  timeout = 170_000,
): Promise<string> {
  try {
    const { stdout } = await execFile(command, args, {
      cwd,
      env: cleanEnv(),
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      encoding: "utf8",
    });
    return stdout;
  } catch (err) {
    const {
      stdout = "",
      stderr = "",
      killed,
    } = err as {
      stdout?: string;
      stderr?: string;
      killed?: boolean;
    };
    const why = killed === true ? `did not finish in ${timeout} ms` : "failed";
    throw new Error(`${command} ${args.join(" ")} ${why} in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** Where a dependency of the package at `from` is installed, as Node would find it. */
function installedDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} (needed by ${from}) is not installed`);
  }
}

/** What installing `manifest` pulls in: dependencies and required peers. */
function needs(manifest: Manifest): string[] {
  const optional = manifest.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((name) => !optional[name]?.optional),
  ];
}

/**
 * Packs the third-party packages the consumer will need, from the workspace's node_modules,
 * into `cache` (kept between runs: they only change with package-lock.json). Returns
 * name → tarball path.
 */
async function packThirdParty(cache: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const queue: [string, string][] = [["@types/node", root]];
  for (const { dir, manifest } of PACKAGES) {
    for (const name of needs(manifest)) {
      if (!name.startsWith("@parley/")) queue.push([name, join(root, dir)]);
    }
  }
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [name, from] = next;
    if (found.has(name)) continue;
    const dir = installedDir(name, from);
    found.set(name, dir);
    for (const dep of needs(readManifest(dir))) queue.push([dep, dir]);
  }
  const tarballs = new Map<string, string>();
  const toPack: string[] = [];
  for (const [name, dir] of found) {
    const { version } = readManifest(dir);
    const file = join(cache, `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`);
    tarballs.set(name, file);
    if (!existsSync(file)) toPack.push(dir);
  }
  if (toPack.length > 0) {
    mkdirSync(cache, { recursive: true });
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", cache, ...toPack], cache);
  }
  for (const file of tarballs.values()) {
    if (!existsSync(file)) throw new Error(`npm pack did not write ${file}`);
  }
  return tarballs;
}

// ---------------------------------------------------------------------------------------------
// What the consumer project runs.

const SPECIFIERS = [
  "@parley/protocol",
  "@parley/protocol/v3",
  "@parley/server",
  "@parley/server/engine",
  "@parley/server/adapter",
  "@parley/server/bun",
  "@parley/client",
  "@parley/redis-adapter",
  "@parley/redis-adapter/emitter",
  "@parley/cluster-adapter",
];

/** The same checks for `import` and for `require`; prints one JSON object. */
function runtimeScript(kind: "esm" | "cjs"): string {
  const load = kind === "esm" ? "await import(spec)" : "require(spec)";
  return `${kind === "esm" ? 'import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);' : ""}
(async () => {
const { createServer } = require("node:http");
const specs = ${JSON.stringify(SPECIFIERS)};
const out = {};
const mods = {};
for (const spec of specs) mods[spec] = ${load};

// Exported classes keep their names (no "_class9"). Deliberate aliases: engine.io's name for
// the engine's connection class.
const aliases = { "@parley/server/engine Socket": "Session" };
out.renamed = [];
for (const [spec, mod] of Object.entries(mods)) {
  for (const [key, value] of Object.entries(mod)) {
    if (aliases[spec + " " + key] === value.name) continue;
    if (typeof value === "function" && /^[A-Z]/.test(key) && value.name !== key) {
      out.renamed.push(spec + " " + key + " is named " + value.name);
    }
  }
}
// The names the other loader sees (the ESM and CommonJS entries export the same names).
out.names = {};
for (const spec of specs) {
  out.names[spec] = Object.keys(mods[spec]).filter((k) => k !== "default" && k !== "__esModule").sort();
}
out.requireNames = {};
for (const spec of specs) {
  out.requireNames[spec] = Object.keys(require(spec)).filter((k) => k !== "default").sort();
}

const server = mods["@parley/server"];
const adapter = mods["@parley/server/adapter"];
const engine = mods["@parley/server/engine"];
const redisAdapter = mods["@parley/redis-adapter"];
// One copy of each class, whichever entry or loader it comes through.
out.identity = {
  engine: engine.Engine === require("@parley/server/engine").Engine,
  server: server.Server === require("@parley/server").Server,
  clusterAdapter: adapter.ClusterAdapter === server.ClusterAdapter &&
    adapter.ClusterAdapter === require("@parley/server/adapter").ClusterAdapter,
  emitter: redisAdapter.Emitter === mods["@parley/redis-adapter/emitter"].Emitter,
  redisAdapterExtends: redisAdapter.RedisAdapter.prototype instanceof adapter.ClusterAdapter,
  nodeClusterAdapterExtends:
    mods["@parley/cluster-adapter"].NodeClusterAdapter.prototype instanceof adapter.ClusterAdapter,
};
out.defaultFactory = typeof ${kind === "esm" ? "server.default" : "server"};

const http = createServer();
const io = ${kind === "esm" ? "server.default" : "server"}(http, { connectTimeout: 5000 });
out.factoryMadeServer = io instanceof server.Server;
// Class names in stack traces.
try {
  io.of("/").emit("connect");
} catch (err) {
  out.frames = err.stack.split("\\n").slice(1, 3).map((line) => line.trim().split(" (")[0]);
}
io.on("connection", (socket) => socket.on("echo", (text, ack) => ack(text + "!")));
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const url = "http://127.0.0.1:" + http.address().port;
// A round trip with the packed client, and the browser bundle the server serves from it.
const client = mods["@parley/client"].io(url, { transports: ["websocket"], reconnection: false });
out.reply = await client.timeout(10000).emitWithAck("echo", "hi");
out.bundle = (await fetch(url + "/socket.io/socket.io.min.js")).status;
client.disconnect();
await io.close();
const { encodePacket, PacketType } = mods["@parley/protocol"];
out.encoded = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["a"] })[0];
process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;
}

/** A consumer's TypeScript in ES module syntax (node16/nodenext ESM, bundler, classic node). */
const ESM_SOURCE = `import { createServer } from "node:http";
import io, { type Handshake, Server, type ServerOptions, type Socket } from "@parley/server";
import { ClusterAdapter, type ClusterMessage, InMemoryAdapter } from "@parley/server/adapter";
import { Engine, type EngineOptions } from "@parley/server/engine";
import { type Socket as ClientSocket, io as connect } from "@parley/client";
import { encodePacket, type Packet, PacketType } from "@parley/protocol";
import { ENGINE_PROTOCOL_V3, encodePayloadV3 } from "@parley/protocol/v3";
import {
  createAdapter,
  RedisAdapter,
  type RedisPublisher,
  type RedisSubscriber,
} from "@parley/redis-adapter";
import { Emitter } from "@parley/redis-adapter/emitter";

interface ClientToServer {
  echo(text: string, ack: (reply: string) => void): void;
}
interface ServerToClient {
  news(count: number): void;
}

// Any client the adapter accepts (node-redis, ioredis): their own declarations are not under
// test here, and leaving them out halves the time tsc takes.
declare const pub: RedisPublisher;
declare const sub: RedisSubscriber;
const options: ServerOptions = { adapter: createAdapter(pub, sub), connectTimeout: 5000 };
const server = new Server<ClientToServer, ServerToClient>(createServer(), options);
server.on("connection", (socket: Socket<ClientToServer, ServerToClient>) => {
  const handshake: Handshake = socket.handshake;
  socket.on("echo", (text, ack) => ack(text + handshake.address));
  socket.emit("news", 1);
  // @ts-expect-error the event map is enforced: these types are not \`any\`
  socket.emit("news", "one");
});
const classic: Server = io({ serveClient: false });
const engineOptions: EngineOptions = { pingInterval: 25_000 };
const engine = new Engine(engineOptions);
class LoggingAdapter extends ClusterAdapter {
  protected doPublish(message: ClusterMessage): void {
    console.log(message.type);
  }
}
const clustered = new Server({ adapter: LoggingAdapter });
const inMemory: boolean = clustered.of("/").adapter instanceof InMemoryAdapter;
const client: ClientSocket<ServerToClient, ClientToServer> = connect("http://localhost:3000");
client.on("news", (count) => count.toFixed());
const packet: Packet = { type: PacketType.EVENT, nsp: "/", data: ["hello"] };
const [text] = encodePacket(packet);
const emitter = new Emitter<ServerToClient>(pub);
emitter.to("room").emit("news", 2);
const legacyPayload: string = encodePayloadV3([{ type: "message", data: "hi" }]);
const legacyRevision: 3 = ENGINE_PROTOCOL_V3;
export { classic, engine, inMemory, legacyPayload, legacyRevision, text, RedisAdapter };
`;

/** A consumer's TypeScript in CommonJS syntax (node16/nodenext, a .cts file). */
const CJS_SOURCE = `import http = require("node:http");
import parley = require("@parley/server");
import adapter = require("@parley/server/adapter");
import engine = require("@parley/server/engine");
import client = require("@parley/client");
import protocol = require("@parley/protocol");
import redisAdapter = require("@parley/redis-adapter");
import emitterEntry = require("@parley/redis-adapter/emitter");

interface ClientToServer {
  echo(text: string, ack: (reply: string) => void): void;
}
interface ServerToClient {
  news(count: number): void;
}

declare const pub: redisAdapter.RedisPublisher;
declare const sub: redisAdapter.RedisSubscriber;
const options: parley.ServerOptions = { adapter: redisAdapter.createAdapter(pub, sub) };
const classic: parley.Server = parley(http.createServer(), options);
const server = new parley.Server<ClientToServer, ServerToClient>(options);
server.on("connection", (socket: parley.Socket<ClientToServer, ServerToClient>) => {
  socket.on("echo", (text, ack) => ack(text));
  // @ts-expect-error the event map is enforced: these types are not \`any\`
  socket.emit("news", "one");
});
class LoggingAdapter extends adapter.ClusterAdapter {
  protected doPublish(message: parley.ClusterMessage): void {
    console.log(message.type);
  }
}
const clustered = new parley.Server({ adapter: LoggingAdapter });
const inMemory: boolean = clustered.of("/").adapter instanceof parley.InMemoryAdapter;
const eng = new engine.Engine({ pingInterval: 25_000 });
const socket: client.Socket<ServerToClient, ClientToServer> = client.io("http://localhost:3000");
const [text] = protocol.encodePacket({ type: protocol.PacketType.EVENT, nsp: "/", data: ["a"] });
new emitterEntry.Emitter<ServerToClient>(pub).to("room").emit("news", 2);
export = { classic, inMemory, eng, socket, text };
`;

/** Compiler options of the consumer: strict, and its libraries' declarations checked too. */
const STRICT = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  target: "es2022",
  lib: ["es2022"],
  types: ["node"],
};

const TSC_MODES = {
  node16: { module: "node16", moduleResolution: "node16", files: ["esm.mts", "cjs.cts"] },
  nodenext: { module: "nodenext", moduleResolution: "nodenext", files: ["esm.mts", "cjs.cts"] },
  bundler: { module: "esnext", moduleResolution: "bundler", files: ["bundler.ts"] },
  "classic node": {
    module: "commonjs",
    moduleResolution: "node",
    esModuleInterop: true,
    files: ["classic.ts"],
  },
} as const;

// ---------------------------------------------------------------------------------------------

describe.skipIf(!built)("the packed packages, installed in a fresh project", () => {
  let work = "";
  let consumer = "";
  const packed = new Map<string, PackResult>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "parley-pack-"));
    consumer = join(work, "consumer");
    // --ignore-scripts: the dists are built already, and `prepack` would rebuild them inside
    // the repository while other test files use them (the prepack test below builds a copy).
    const workspaces = PACKAGES.map(({ manifest }) => `--workspace=${manifest.name}`);
    const [packOutput, thirdParty] = await Promise.all([
      run(
        "npm",
        ["pack", "--ignore-scripts", "--json", "--pack-destination", work, ...workspaces],
        root,
      ),
      packThirdParty(join(root, "node_modules/.cache/parley-pack-test")),
    ]);
    for (const result of JSON.parse(packOutput) as PackResult[]) packed.set(result.name, result);

    // The consumer depends on what a user would: the four packages, redis (the adapter's peer)
    // and @types/node. Everything else comes in only if a package declares it.
    const direct = new Set(["redis", "@types/node"]);
    const dependencies: Record<string, string> = {};
    const overrides: Record<string, string> = {};
    for (const { name, filename } of packed.values())
      dependencies[name] = `file:${work}/${filename}`;
    for (const [name, file] of thirdParty) {
      (direct.has(name) ? dependencies : overrides)[name] = `file:${file}`;
    }
    mkdirSync(join(consumer, "types"), { recursive: true });
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "parley-consumer", private: true, dependencies, overrides }),
    );
    await run(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
      consumer,
      170_000,
    );

    writeFileSync(join(consumer, "runtime.mjs"), runtimeScript("esm"));
    writeFileSync(join(consumer, "runtime.cjs"), runtimeScript("cjs"));
    for (const file of ["esm.mts", "bundler.ts", "classic.ts"]) {
      writeFileSync(join(consumer, "types", file), ESM_SOURCE);
    }
    writeFileSync(join(consumer, "types", "cjs.cts"), CJS_SOURCE);
    for (const [mode, { files, ...options }] of Object.entries(TSC_MODES)) {
      writeFileSync(
        join(consumer, `tsconfig.${mode.replace(" ", "-")}.json`),
        JSON.stringify({
          compilerOptions: { ...STRICT, ...options },
          files: files.map((file) => `types/${file}`),
        }),
      );
    }
  }, 240_000);

  // PARLEY_KEEP_PACK_DIR=1 keeps the consumer project, to look into a failure.
  afterAll(() => {
    if (process.env.PARLEY_KEEP_PACK_DIR) console.log(`consumer project kept in ${consumer}`);
    else if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  it("puts LICENSE, README and every file package.json names in each tarball, and no src/", () => {
    const license = readFileSync(join(root, "LICENSE"), "utf8");
    expect(license).toContain("MIT License");
    expect(license).toContain("Copyright (c) 2026 the Parley authors");
    for (const { manifest } of PACKAGES) {
      const result = packed.get(manifest.name);
      expect(result, manifest.name).toBeDefined();
      const files = new Set(result?.files.map((file) => file.path));
      const missing = ["LICENSE", "README.md", ...referencedFiles(manifest)].filter(
        (file) => !files.has(file),
      );
      expect(missing, `${manifest.name}: files missing from the tarball`).toEqual([]);
      expect([...files].filter((file) => file.startsWith("src/"))).toEqual([]);
      const installed = join(consumer, "node_modules", manifest.name);
      expect(readFileSync(join(installed, "LICENSE"), "utf8")).toBe(license);
    }
  });

  it("declares what a registry page and a bundler need, and only published conditions", () => {
    for (const { dir, manifest } of PACKAGES) {
      expect(manifest.license, manifest.name).toBe("MIT");
      expect(manifest.engines?.node, manifest.name).toBe(">=20.12");
      expect(manifest.repository, manifest.name).toEqual({
        type: "git",
        url: "git+https://github.com/parley-rt/parley.git",
        directory: dir,
      });
      expect(manifest.homepage, manifest.name).toMatch(/^https:\/\/github\.com\/parley-rt\//);
      expect(manifest.bugs?.url, manifest.name).toBe("https://github.com/parley-rt/parley/issues");
      expect(manifest.keywords?.length, manifest.name).toBeGreaterThan(0);
      // Packing runs the build first: a package can never be packed without its dist/.
      expect(manifest.scripts?.prepack, manifest.name).toBe("npm run build");
      // Only conditions every tool agrees on: a "source" condition (or any other) pointing at
      // files that are not published breaks whichever bundler enables it.
      const conditions = new Set(exportConditions(manifest.exports));
      const unknown = [...conditions].filter(
        (c) => !["import", "require", "types", "browser", "node", "default"].includes(c),
      );
      expect(unknown, `${manifest.name}: export conditions`).toEqual([]);
    }
  });

  it("keeps internal members out of the published declarations", () => {
    const declarations = PACKAGES.flatMap(({ manifest }) => {
      const dir = join(consumer, "node_modules", manifest.name);
      return readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((file) => /\.d\.c?ts$/.test(file))
        .map((file) => ({
          file: `${manifest.name}/${file}`,
          text: readFileSync(join(dir, file), "utf8"),
        }));
    });
    expect(declarations.length).toBeGreaterThan(10);
    // Wire-format and engine.io names stay: a binary placeholder's `_placeholder`, and
    // `req._query`, which engine.io's middlewares read.
    const leaked = declarations.flatMap(({ file, text }) =>
      [...text.matchAll(/^\s+(?:readonly\s+)?(_(?!placeholder\b|query\b)\w+)[?(:<]/gm)].map(
        (match) => `${file}: ${match[1]}`,
      ),
    );
    expect(leaked).toEqual([]);
    expect(
      declarations.filter(({ text }) => text.includes("@internal")).map(({ file }) => file),
    ).toEqual([]);
  });

  for (const kind of ["esm", "cjs"] as const) {
    it(`runs through Node's ${kind === "esm" ? "ESM loader (import)" : "CommonJS loader (require)"}`, async () => {
      const stdout = await run(
        process.execPath,
        [`runtime.${kind === "esm" ? "mjs" : "cjs"}`],
        consumer,
      );
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out.renamed).toEqual([]);
      expect(out.names).toEqual(out.requireNames);
      expect(out.identity).toEqual({
        engine: true,
        server: true,
        clusterAdapter: true,
        emitter: true,
        redisAdapterExtends: true,
        nodeClusterAdapterExtends: true,
      });
      expect(out.defaultFactory).toBe("function");
      expect(out.factoryMadeServer).toBe(true);
      // V8 names a stack frame after the class expression's own name, which keepNames does
      // not change: esbuild names a class that refers to itself `_BroadcastOperator` (its inner
      // binding). Never `_class9`, which is what tsup's sucrase pass made of every class.
      expect(out.frames).toEqual([
        expect.stringMatching(/^at _?BroadcastOperator\.emit$/),
        "at Namespace.emit",
      ]);
      expect(out.reply).toBe("hi!");
      expect(out.bundle).toBe(200);
      expect(out.encoded).toBe('2["a"]');
    }, 120_000);
  }

  for (const mode of Object.keys(TSC_MODES)) {
    it.concurrent(`type-checks with skipLibCheck: false under moduleResolution ${mode}`, async () => {
      await run(process.execPath, [tsc, "-p", `tsconfig.${mode.replace(" ", "-")}.json`], consumer);
    }, 180_000);
  }

  it.concurrent("builds an unbuilt package when it is packed (prepack)", async () => {
    // A copy of @parley/protocol without dist/, inside the repository so that its build finds
    // tsup and TypeScript, packed with its scripts on.
    const copy = join(root, "node_modules/.cache", `parley-prepack-${process.pid}`);
    const pkg = join(copy, "packages/protocol");
    try {
      mkdirSync(pkg, { recursive: true });
      cpSync(join(root, "tsconfig.base.json"), join(copy, "tsconfig.base.json"));
      for (const entry of [
        "src",
        "package.json",
        "tsup.config.ts",
        "tsconfig.json",
        "README.md",
        "LICENSE",
      ]) {
        cpSync(join(root, "packages/protocol", entry), join(pkg, entry), { recursive: true });
      }
      // Its tests are not part of the package (tsconfig.json includes test/).
      mkdirSync(join(pkg, "test"));
      const output = await run("npm", ["pack", "--json", "--pack-destination", copy], pkg);
      // The build's own output comes first on stdout; npm's JSON report is the last thing.
      const [result] = JSON.parse(output.slice(output.lastIndexOf("[\n  {"))) as PackResult[];
      const files = result?.files.map((file) => file.path) ?? [];
      expect(files).toEqual(
        expect.arrayContaining([
          "dist/index.js",
          "dist/index.cjs",
          "dist/index.d.ts",
          "dist/index.d.cts",
        ]),
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 180_000);
});
