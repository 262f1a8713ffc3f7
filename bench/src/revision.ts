import { execFileSync } from 'node:child_process';

/** The commit measured, and whether packages/ differs from it (a build of uncommitted code). */
export function revision(): string {
  const cwd = new URL('../..', import.meta.url).pathname;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd, encoding: 'utf8' }).trim() !== '';
    return `${commit}${dirty ? ' (packages/ has uncommitted changes: the build measured is not that commit)' : ' (packages/ as committed)'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
