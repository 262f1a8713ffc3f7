// Extracts the ```ts blocks of README.md and docs/*.md into a folder that the eventstore's type-check
// covers, so code shown in the docs is compiled in CI. Imports of '@tally/eventstore' are pointed at source.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packages/eventstore/.doc-snippets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const sources = ['README.md', ...(existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [])];
let count = 0;
for (const source of sources) {
  const text = readFileSync(join(root, source), 'utf8');
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  blocks.forEach((code, i) => {
    if (!code.includes("from '@tally/eventstore'")) return; // snippets of other packages are checked there
    const file = join(out, `${source.replace(/[/.]/g, '_')}_${i}.ts`);
    writeFileSync(file, `// extracted from ${source}, block ${i}\nexport {};\n${code.replaceAll("from '@tally/eventstore'", "from '../src/index.js'")}`);
    count++;
  });
}
console.log(`extracted ${count} doc snippet(s) into ${out}`);
