// Loads a model written in TypeScript (or JavaScript): type-checks it against the mmcheck
// package, compiles it to a temporary folder, imports it, and removes the folder when done.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type ts from 'typescript';
import { UsageError } from './errors.js';
import type { Model } from '../engine/index.js';
import { NotAModel, loadSource, type ModelSource } from '../engine/parallel.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src: the compiled package, what `import ... from 'mmcheck'` means in a model file */
const packageDir = resolve(here, '..');
const packageEntry = join(packageDir, 'index.js');

export function isModelFile(target: string): boolean {
  return /\.(ts|mts|js|mjs)$/.test(target);
}

function compile(ts: typeof import('typescript'), file: string, outDir: string): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    allowJs: true,
    rewriteRelativeImportExtensions: true,
    outDir,
    rootDir: dirname(file),
    types: [],
    baseUrl: dirname(file),
    paths: { mmcheck: [join(packageDir, 'index.d.ts')] },
  };
  const program = ts.createProgram([file], options);
  const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diags.length > 0) throw new UsageError(diags.map((d) => formatDiagnostic(ts, d)).join('\n'));
  const toPackage = (spec: string): string | null =>
    spec === 'mmcheck' ? pathToFileURL(packageEntry).href : null;
  const rewrite: ts.TransformerFactory<ts.SourceFile> = (ctx) => (sf) => {
    const visit = (node: ts.Node): ts.Node => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)) {
        const to = toPackage(node.moduleSpecifier.text);
        if (to) {
          const spec = ctx.factory.createStringLiteral(to);
          return ts.isImportDeclaration(node)
            ? ctx.factory.updateImportDeclaration(node, node.modifiers, node.importClause, spec, node.attributes)
            : ctx.factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, spec, node.attributes);
        }
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return ts.visitNode(sf, visit) as ts.SourceFile;
  };
  const emitted = program.emit(undefined, undefined, undefined, false, { after: [rewrite] });
  const errs = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errs.length > 0) throw new UsageError(errs.map((d) => formatDiagnostic(ts, d)).join('\n'));
}

function formatDiagnostic(ts: typeof import('typescript'), d: ts.Diagnostic): string {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return msg;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${relative(process.cwd(), d.file.fileName) || d.file.fileName}:${line + 1}: ${msg}`;
}

/** A model file, compiled: the model, where worker threads import it from, and the folder to remove after. */
export interface LoadedModel {
  model: Model;
  source: ModelSource;
  dispose(): void;
}

/**
 * The model a file exports as default (a model, or a function of no arguments returning one).
 * The compiled module stays on disk until dispose(), for parallel exploration's workers.
 */
export async function loadModelFile(path: string): Promise<LoadedModel> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`no such file: ${path}`);
  const out = mkdtempSync(join(tmpdir(), 'mmcheck-'));
  const dispose = (): void => rmSync(out, { recursive: true, force: true });
  try {
    // loaded only here: the compiler is large, and only model files need it
    const ts = (await import('typescript')).default;
    compile(ts, file, out);
    const js = join(out, relative(dirname(file), file).split(sep).join('/')).replace(/\.m?ts$/, '.js');
    const source: ModelSource = { module: pathToFileURL(js).href };
    let exported: Model;
    try {
      exported = await loadSource(source);
    } catch (err) {
      if (err instanceof NotAModel) throw new UsageError(`${path}: the default export is not a model (use defineModel from 'mmcheck')`);
      throw new UsageError(`${path}: failed to load: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { model: exported, source, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
