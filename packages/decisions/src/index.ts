export { createCommandHandler } from './create-command-handler.js';
export type { CommandHandler, CommandHandlerOptions, HandleOptions, HandleResult, HandlerMode } from './create-command-handler.js';
export type { Decision, SnapshotSettings } from './decision.js';
export { defineDecision } from './define-decision.js';
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
