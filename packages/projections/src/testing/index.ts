export { projectionSpec } from './projection-spec.js';
export type { ProjectionSpec, ProjectionSpecGiven, ProjectionSpecOptions, ProjectionSpecThen } from './projection-spec.js';
