export { createCommandHandler } from './create-command-handler.js';
export type { CommandHandler, CommandHandlerOptions, HandleOptions, HandleResult, HandlerMode } from './create-command-handler.js';
export type { Decision, SnapshotSettings } from './decision.js';
export { defineDecision } from './define-decision.js';
export { defineAggregate } from './define-aggregate.js';
export type {
  Aggregate,
  AggregateBuilder,
  AggregateCommand,
  AggregateCommandHandler,
  AggregateCommands,
  AggregateCommandType,
  AggregateDefinition,
} from './define-aggregate.js';
export { decisionModel } from './decision-model.js';
export type { DecisionModel, DecisionModelBuilder, DecisionModelDefinition, DecisionModelHistory, DecisionPart, DecisionParts } from './decision-model.js';
export { decisionSpec, DecisionSpecError } from './decision-spec.js';
export type { DecisionScenario, DecisionSpec, DecisionSpecOptions, ExpectedEvent } from './decision-spec.js';
export {
  DecisionConflictError,
  DecisionError,
  DecisionRejectedError,
  InvalidDecisionError,
  InvalidOptionError,
  isRejection,
  reject,
} from './errors.js';
export type { DecisionErrorCode } from './errors.js';
