/**
 * The `tally-projector` worker's config for the bank: `pnpm start:worker` (DATABASE_URL required). Start as
 * many copies as you like, on as many machines: they share the projections through the database.
 * The OpenTelemetry variables of {@link startTelemetry} (OTEL_TRACES_EXPORTER=console|otlp, …) turn on an exporter.
 */
import type { ProjectorConfig } from '@tally/projections';
import { bankPersonalData, type BankEvent } from '../domain/events.js';
import { bankUpcasters } from '../domain/upcasters.js';
import { bankEncryptionKey } from '../encryption-key.js';
import { bankProjections } from '../projections.js';
import { startTelemetry } from '../telemetry/start-telemetry.js';

// Registered as the CLI loads this module, before the projector starts. The worker exits right after its
// projector stops: what the OTLP exporter buffered is flushed when the signal arrives (the last batches' spans,
// which end during the stop, are exported only if the exit leaves time; the console exporter writes each at once).
const telemetry = startTelemetry('bank-worker');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void telemetry.flush());

// The bank's store options: the worker reads the events the bank writes, at the versions it writes them, and
// decrypts the customer names with the bank's key (`TALLY_ENCRYPTION_KEY`).
const config: ProjectorConfig<BankEvent> = {
  projections: bankProjections,
  upcasters: bankUpcasters,
  personalData: bankPersonalData,
  encryptionKey: bankEncryptionKey(),
};
export default config;
