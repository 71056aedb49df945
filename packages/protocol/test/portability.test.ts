// The codec runs in Node and in browsers, so its sources must compile against the bare
// ECMAScript library: no Node typings (Buffer, process, "node:*" modules) and no DOM typings.
// The package tsconfig gives the tests Node typings, so this check compiles src/ on its own.

import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expect, it } from "vitest";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

it("src/ compiles with only the ES2023 library: no Node or DOM dependency", () => {
  const files = readdirSync(src)
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(src, name));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts"],
    types: [],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const messages = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  expect(messages).toEqual([]);
});
