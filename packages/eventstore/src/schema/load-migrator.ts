import * as kysely from 'kysely';

/**
 * Kysely's `Migrator` from the kysely the app installed (a peer dependency): the `kysely` module exports it up to
 * 0.28, `kysely/migration` from 0.29 on. A namespace import, because a named import of an export that is missing
 * fails the whole module at link time.
 */
export async function loadMigrator(): Promise<typeof kysely.Migrator> {
  if (typeof kysely.Migrator === 'function') return kysely.Migrator;
  // A specifier in a variable: the kysely this package is compiled against (0.28) has no such subpath.
  const subpath: string = 'kysely/migration';
  const module: { readonly Migrator: typeof kysely.Migrator } = await import(subpath);
  return module.Migrator;
}
