// The import graph of src/, read from the source text: import and export-from declarations, dynamic
// import('...') calls and import('...') types. Used by the layer test; no compiler run needed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of a src file: the text as written and the src-relative file it resolves to. */
export interface ImportEdge {
  from: string;
  specifier: string;
  /** src-relative path with '/' separators ('models/load.ts'); undefined for packages and node: builtins. */
  to: string | undefined;
  /** `import type`, `export type` or an import('...') type: erased at run time. */
  typeOnly: boolean;
  line: number;
}

/** Every .ts file under dir, src-relative with '/' separators, sorted. */
export function sourceFiles(srcDir: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
  return walk(srcDir).map((p) => toPosix(relative(srcDir, p))).sort();
}

/** The imports of one file (src-relative `file`), in source order. */
export function importsOf(srcDir: string, file: string, text = readFileSync(join(srcDir, file), 'utf8')): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (literal: ts.Node, typeOnly: boolean): void => {
    if (!ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    edges.push({ from: file, specifier, to: resolveSpecifier(srcDir, file, specifier), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || allNamedBindingsTypeOnly(clause));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const typeOnly = node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) &&
        node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length > 0) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function allNamedBindingsTypeOnly(clause: ts.ImportClause): boolean {
  if (clause.name || !clause.namedBindings || !ts.isNamedImports(clause.namedBindings)) return false;
  const elements = clause.namedBindings.elements;
  return elements.length > 0 && elements.every((e) => e.isTypeOnly);
}

/** A relative specifier ('../torch/index.js') resolved to its src-relative .ts file; undefined otherwise. */
function resolveSpecifier(srcDir: string, file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(srcDir, dirname(file), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? target;
  return toPosix(relative(srcDir, found));
}

const toPosix = (p: string): string => p.split(sep).join('/');

/** A group of files that all reach each other, and one shortest closed path a -> b -> ... -> a among them. */
export interface Cycle {
  members: string[];
  path: string[];
}

/**
 * Cycles among the given edges, one per strongly connected component of two or more nodes (or a
 * node that imports itself).
 */
export function findCycles(edges: ReadonlyArray<{ from: string; to: string }>): Cycle[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    if (!next.has(to)) next.set(to, []);
    if (!next.get(from)!.includes(to)) next.get(from)!.push(to);
  }
  for (const list of next.values()) list.sort();
  // Tarjan's strongly connected components, iteratively.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const root of [...next.keys()].sort()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: root, i: 0 }];
    index.set(root, counter); low.set(root, counter++); stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const succ = next.get(frame.node)!;
      if (frame.i < succ.length) {
        const w = succ[frame.i++];
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter++); stack.push(w); onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== frame.node);
        if (component.length > 1 || succ.includes(frame.node)) components.push(component);
      }
    }
  }
  return components.map((component) => ({ members: [...component].sort(), path: shortestCycle(component, next) }));
}

/** A shortest closed path through the first (sorted) node of a strongly connected component. */
function shortestCycle(component: string[], next: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    for (const w of next.get(queue[q])!) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [queue[q]];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return [...path, start];
      }
      if (!previous.has(w)) { previous.set(w, queue[q]); queue.push(w); }
    }
  }
  return [start, start];
}
