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
