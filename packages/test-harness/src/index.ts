export { createGlobalSetup } from './global-setup.js';
export type { GlobalSetupOptions } from './global-setup.js';
export { adminQuery, createTestDatabase } from './test-database.js';
export type { TestDatabase } from './test-database.js';
export { startEmbeddedServer, freePort } from './embedded-server.js';
export type { EmbeddedServer } from './embedded-server.js';
export { acquireTestServer } from './server.js';
export type { Backend, TestServer } from './server.js';
export { withDatabase, uniqueDatabaseName } from './names.js';
