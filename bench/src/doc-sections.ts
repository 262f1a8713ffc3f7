import { readFile, writeFile } from 'node:fs/promises';
/**
 * docs/benchmarks.md is written by several bench scripts: the store's report owns the file, and each other
 * script owns a section between `<!-- name:start -->` and `<!-- name:end -->`. These keep each other's parts.
 */
const sectionPattern = /<!-- ([a-z-]+):start -->[\s\S]*?<!-- \1:end -->\n?/g;

/** The marked sections of an existing document, in order. */
export function markedSections(existing: string): string[] {
  return [...existing.matchAll(sectionPattern)].map((m) => m[0].endsWith('\n') ? m[0] : `${m[0]}\n`);
}

/** `body` followed by the marked sections kept from `existing`. */
export function withMarkedSections(body: string, existing: string): string {
  const kept = markedSections(existing);
  return kept.length === 0 ? body : `${body.trimEnd()}\n\n${kept.join('\n')}`;
}

/**
 * Writes `section` (which starts with `<!-- name:start -->` and ends with `<!-- name:end -->`) into
 * docs/benchmarks.md in place of the section of that name, or at the end when there is none; returns the path.
 */
export async function writeMarkedSection(name: string, section: string): Promise<string> {
  const doc = new URL('../../docs/benchmarks.md', import.meta.url);
  const existing = await readFile(doc, 'utf8').catch(() => '');
  const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->\\n?`);
  const next = pattern.test(existing) ? existing.replace(pattern, () => section) : `${existing.trimEnd()}${existing.trim() ? '\n\n' : ''}${section}`;
  await writeFile(doc, next);
  return doc.pathname;
}
