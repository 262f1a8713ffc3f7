export { projectionSpec } from './projection-spec.js';
export type { ProjectionSpec, ProjectionSpecOptions } from './projection-spec.js';
