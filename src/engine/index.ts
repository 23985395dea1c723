// The engine's public surface.
export { Cell, type Gen } from './cell.js';
export { Mutex, type LockOptions } from './mutex.js';
export { RwSem } from './rwsem.js';
export { Shared, atomic, check, kfunc, reach, type Verdict as PropertyResult } from './shared.js';
export { SharedObject } from './object.js';
export { defineModel, type Model, type ThreadBodies } from './model.js';
export {
  explore, STRATEGIES, DEFAULT_STRATEGY, DEFAULT_STEP_BOUND, ReplayDivergence, type ExploreOptions, type StrategyName,
} from './explore.js';
export { minimize, countPreemptions, type MinimizeOptions } from './minimize.js';
export { estimateExecutions, DEFAULT_PROBES, DEFAULT_ESTIMATE_MS, type EstimateOptions } from './estimate.js';
export { replay, ScheduleMismatch, type Replayed } from './replay.js';
export { encodeSchedule, decodeSchedule, ScheduleSyntaxError } from './schedule.js';
export { runSequential } from './sequential.js';
export type * from './result.js';
