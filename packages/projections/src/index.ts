export { appendInline, applyInline } from './apply-inline.js';
export { defineProjection } from './define-projection.js';
export type { ProjectionBuilder } from './define-projection.js';
export { matchesQuery } from './match-query.js';
export { createProjector } from './create-projector.js';
export type { Projector, ProjectorOptions, WakeupSource, WakeupStream } from './create-projector.js';
export {
  BatchAbandonedError,
  CatchUpError,
  CheckpointMovedError,
  ConfigurationError,
  ConsoleRequestError,
  HandlerTimeoutError,
  ProjectionError,
  ParkedEventNotFoundError,
  ProjectionHandlerError,
  ProjectorStoppedError,
  UnknownProjectionError,
} from './errors.js';
export type { ConsoleRequestCode, ProjectionErrorCode } from './errors.js';
export { silentLogger } from './logger.js';
export type { ProjectorLogger } from './logger.js';
export { migrateProjector } from './schema/migrate.js';
export type { ProjectorConfig } from './cli/config.js';
export type {
  AnyProjection,
  ParkedEvent,
  ParkOutcome,
  Projection,
  ProjectionBuildStatus,
  ProjectionDefinition,
  ProjectionState,
  ProjectionStatus,
} from './types.js';
