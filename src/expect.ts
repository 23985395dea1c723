// Model checks inside a user's own test suite: fail with the rendered counterexample.
import { explore, type CheckResult, type ExploreOptions, type Model } from './engine/index.js';
import { renderText } from './report/text.js';

export class ModelCheckError extends Error {
  constructor(readonly result: CheckResult) {
    super(`\n${renderText(result)}`);
    this.name = 'ModelCheckError';
  }
}

/** Explores model; throws ModelCheckError unless it holds with every witness reached. */
export function expectHolds<S>(model: Model<S>, opts: ExploreOptions = {}): CheckResult {
  const r = explore(model, opts);
  if (r.verdict !== 'holds' || r.vacuous) throw new ModelCheckError(r);
  return r;
}

/** Explores model; throws ModelCheckError unless a violation (of `kind`, if given) is found. */
export function expectViolation<S>(model: Model<S>, kind?: NonNullable<CheckResult['violation']>['kind'], opts: ExploreOptions = {}): CheckResult {
  const r = explore(model, opts);
  if (r.verdict !== 'violated' || (kind && r.violation?.kind !== kind)) throw new ModelCheckError(r);
  return r;
}
