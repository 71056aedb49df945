// Writes cjs/index.d.cts, the declarations of the callable CommonJS entry (cjs/index.cjs):
// `require("@parley/server")` is a function that also carries every named export. TypeScript
// types that as a function merged with a namespace re-exporting every name, and has no
// `export *` for a namespace: so the names are read from the built dist/index.d.cts after
// each build, and no export can ever be missing (a library's `.d.cts` importing, say,
// `AdapterNamespace` from "@parley/server" would fail to type-check otherwise).
import { readFileSync, writeFileSync } from "node:fs";
import ts from "typescript";

const source = ts.createSourceFile(
  "index.d.cts",
  readFileSync("dist/index.d.cts", "utf8"),
  ts.ScriptTarget.Latest,
);
const names = new Set();
for (const statement of source.statements) {
  if (
    ts.isExportDeclaration(statement) &&
    statement.exportClause !== undefined &&
    ts.isNamedExports(statement.exportClause)
  ) {
    for (const element of statement.exportClause.elements) names.add(element.name.text);
  } else if (
    ts.canHaveModifiers(statement) &&
    ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
    "name" in statement &&
    statement.name !== undefined &&
    ts.isIdentifier(statement.name)
  ) {
    names.add(statement.name.text);
  }
}
names.delete("default");
for (const required of ["Server", "ServerOptions", "AttachTarget"]) {
  if (!names.has(required)) throw new Error(`dist/index.d.cts does not export ${required}`);
}
const list = [...names].sort();

writeFileSync(
  "cjs/index.d.cts",
  `// Generated from dist/index.d.cts by scripts/cjs-types.mjs at build time: do not edit.
import {
${list.map((name) => `  ${name},`).join("\n")}
} from "../dist/index.cjs";

/** \`require("@parley/server")(httpServer, opts)\`: creates a \`Server\`. */
declare function io(srv?: AttachTarget | ServerOptions, opts?: ServerOptions): Server;

declare namespace io {
  export {
${list.map((name) => `    ${name},`).join("\n")}
    io as default,
  };
}

export = io;
`,
);
console.log(`cjs/index.d.cts: ${list.length} names`);
