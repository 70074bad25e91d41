import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The module specifiers a file imports or re-exports at run time. `import type` and `export type` are
 * erased by the compiler and left out; `import { type A }` keeps an import of the module (as
 * verbatimModuleSyntax emits it), so it counts.
 */
const readRuntimeImports = (path: string) => {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isImportDeclaration(node) &&
      !node.importClause?.isTypeOnly &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      specifiers.push(node.moduleSpecifier.text);
    else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      specifiers.push(node.moduleSpecifier.text);
    else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      specifiers.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
};

/** `./x.js` as written in our sources, resolved to the `.ts` file it names. */
const resolveRelative = ({ from, specifier }: { from: string; specifier: string }) => {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, base];
  const found = candidates.find((candidate) => existsSync(candidate) && candidate.match(/\.tsx?$/));
  if (!found) throw new Error(`${from}: cannot resolve '${specifier}'`);
  return found;
};

/**
 * The run-time module graph of a TypeScript entry, within its package: every file of ours it reaches,
 * and every module from outside (npm packages, Node's built-ins) those files import directly.
 */
export const listModuleGraph = ({ entry }: { entry: string }) => {
  const files = new Set<string>();
  const externals = new Set<string>();
  const pending = [resolve(entry)];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (files.has(path)) continue;
    files.add(path);
    for (const specifier of readRuntimeImports(path)) {
      if (specifier.startsWith('.')) pending.push(resolveRelative({ from: path, specifier }));
      else externals.add(specifier);
    }
  }
  return { files: [...files].sort(), externals: [...externals].sort() };
};

/** Whether a module is one of Node's own (`node:fs`, `child_process`, ...), which no browser has. */
export const isNodeBuiltin = (specifier: string) => isBuiltin(specifier);
