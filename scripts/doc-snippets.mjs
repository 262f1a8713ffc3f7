// Keeps the TypeScript shown in docs/*.md identical to real, compiled and tested source files.
//
// Every ```ts block in docs/*.md must follow a marker line naming its source:
//
//   <!-- file: examples/banking/src/features/withdraw/decide.ts -->            the whole file
//   <!-- file: examples/banking/src/features/withdraw/decide.ts#condition -->  the lines between
//                                                                              `// #region condition` and
//                                                                              `// #endregion condition`
//
// Paths are relative to the repository root. Region marker lines are never shown (neither the quoted region's
// own nor those of other regions inside it), common indentation is removed, and blank lines at either end are
// dropped.
//
//   node scripts/doc-snippets.mjs --check   exit 1 when a block differs from its source, has no marker, or
//                                           names a file or region that does not exist
//   node scripts/doc-snippets.mjs --write   rewrite every marked block from its source
//
// Plain Node, no dependencies.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = join(root, 'docs');
const tsLanguages = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);
const markerPattern = /^<!--\s*file:\s*([^\s#]+)(?:#([A-Za-z0-9_.-]+))?\s*-->\s*$/;
const regionLine = /^\s*\/\/\s*#(region|endregion)\s+([A-Za-z0-9_.-]+)\s*$/;

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--write') {
  console.error('usage: node scripts/doc-snippets.mjs --check | --write');
  process.exit(2);
}

/** Splits text into lines without line endings (LF or CRLF). */
const linesOf = (text) => text.replace(/\r\n/g, '\n').split('\n');

/** Drops blank lines at both ends and the indentation every non-blank line shares. */
function tidy(lines) {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start].trim() === '') start++;
  while (end > start && lines[end - 1].trim() === '') end--;
  const body = lines.slice(start, end).map((line) => line.replace(/\s+$/, ''));
  const indents = body.filter((line) => line !== '').map((line) => line.match(/^[ \t]*/)[0].length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return body.map((line) => line.slice(common));
}

/**
 * The lines a marker quotes, or an error message.
 * @returns {{ lines: string[] } | { error: string }}
 */
function quoted(path, region) {
  const file = resolve(root, path);
  if (relative(root, file).startsWith('..')) return { error: `${path} is outside the repository` };
  if (!existsSync(file)) return { error: `source file ${path} does not exist` };
  const lines = linesOf(readFileSync(file, 'utf8'));
  const withoutMarkers = (part) => part.filter((line) => !regionLine.test(line));
  if (region === undefined) return { lines: tidy(withoutMarkers(lines)) };

  const starts = [];
  const ends = [];
  lines.forEach((line, i) => {
    const m = line.match(regionLine);
    if (m && m[2] === region) (m[1] === 'region' ? starts : ends).push(i);
  });
  if (starts.length === 0) return { error: `${path} has no "// #region ${region}" line` };
  if (starts.length > 1) return { error: `${path} has ${starts.length} "// #region ${region}" lines (one expected)` };
  if (ends.length !== 1 || ends[0] < starts[0]) {
    return { error: `${path}: "// #region ${region}" needs exactly one "// #endregion ${region}" after it` };
  }
  return { lines: tidy(withoutMarkers(lines.slice(starts[0] + 1, ends[0]))) };
}

/** The first line where two texts differ, as a short hint for the failure message. */
function diffHint(expected, actual) {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== actual[i]) {
      const show = (line) => (line === undefined ? '(no line)' : JSON.stringify(line.length > 110 ? `${line.slice(0, 110)}…` : line));
      return [
        `      first difference at line ${i + 1} of the block (source has ${expected.length} lines, doc has ${actual.length}):`,
        `        source: ${show(expected[i])}`,
        `        doc:    ${show(actual[i])}`,
      ].join('\n');
    }
  }
  return '      (identical)';
}

const docs = existsSync(docsDir)
  ? readdirSync(docsDir)
      .filter((name) => name.endsWith('.md'))
      .sort()
  : [];
const problems = [];
let blocks = 0;
let rewritten = 0;

for (const name of docs) {
  const docPath = `docs/${name}`;
  const lines = linesOf(readFileSync(join(docsDir, name), 'utf8'));
  const out = [];
  let changed = false;
  let tsIndex = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = line.match(/^(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)/);
    if (!open) {
      if (markerPattern.test(line.trim()) && !/^(`{3,}|~{3,})\s*(ts|typescript|tsx|mts|cts)\s*$/.test(lines[i + 1] ?? '')) {
        problems.push(`${docPath}:${i + 1}: a file marker must be followed directly by a \`\`\`ts block`);
      }
      out.push(line);
      continue;
    }
    // A fenced block: find its closing fence (same character, at least as long).
    const fence = open[1];
    const language = open[2].toLowerCase();
    const closing = new RegExp(`^${fence[0]}{${fence.length},}\\s*$`);
    let close = i + 1;
    while (close < lines.length && !closing.test(lines[close])) close++;
    const body = lines.slice(i + 1, close);
    if (!tsLanguages.has(language)) {
      out.push(...lines.slice(i, close + 1));
      i = close;
      continue;
    }
    blocks++;
    tsIndex++;
    const where = `${docPath}:${i + 1} (TypeScript block ${tsIndex})`;
    const marker = (lines[i - 1] ?? '').trim().match(markerPattern);
    if (close >= lines.length) {
      problems.push(`${where}: the block is never closed`);
      out.push(...lines.slice(i));
      break;
    }
    if (!marker) {
      problems.push(`${where}: no "<!-- file: path[#region] -->" line right before the block: every TypeScript block must quote a source file`);
      out.push(...lines.slice(i, close + 1));
      i = close;
      continue;
    }
    const [, path, region] = marker;
    const ref = region === undefined ? path : `${path}#${region}`;
    const source = quoted(path, region);
    if ('error' in source) {
      problems.push(`${where}: ${source.error}`);
      out.push(...lines.slice(i, close + 1));
      i = close;
      continue;
    }
    // scripts/extract-doc-snippets.mjs compiles, inside packages/eventstore, every docs block that imports
    // '@tally/eventstore'; relative imports cannot resolve there.
    if (source.lines.some((l) => l.includes("from '@tally/eventstore'")) && source.lines.some((l) => /from '\.\.?\//.test(l))) {
      problems.push(
        `${where}: ${ref} imports '@tally/eventstore' and a relative module; scripts/extract-doc-snippets.mjs would compile it ` +
          `out of context in packages/eventstore. Quote a region without the import lines.`,
      );
    }
    const same = source.lines.length === body.length && source.lines.every((l, k) => l === body[k]);
    if (!same) {
      if (mode === '--write') {
        changed = true;
        rewritten++;
      } else {
        problems.push(`${where}: differs from ${ref}; run \`node scripts/doc-snippets.mjs --write\`\n${diffHint(source.lines, body)}`);
      }
    }
    out.push(line, ...(mode === '--write' ? source.lines : body), lines[close]);
    i = close;
  }
  if (changed) writeFileSync(join(docsDir, name), out.join('\n'));
}

if (problems.length > 0) {
  console.error(`doc-snippets: ${problems.length} problem(s) in ${blocks} TypeScript block(s) of docs/*.md:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(
  mode === '--write'
    ? `doc-snippets: ${blocks} TypeScript block(s) in docs/*.md, ${rewritten} rewritten from their sources`
    : `doc-snippets: ${blocks} TypeScript block(s) in docs/*.md match their sources`,
);
