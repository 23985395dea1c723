// JSON form of a result, versioned so that tools reading it can check what they get.
import type { CheckResult } from '../engine/index.js';

export const RESULT_SCHEMA_VERSION = 1;

export interface ResultDocument {
  schema: 'mmcheck/result';
  version: typeof RESULT_SCHEMA_VERSION;
  result: CheckResult;
}

export function renderJson(r: CheckResult): string {
  const doc: ResultDocument = { schema: 'mmcheck/result', version: RESULT_SCHEMA_VERSION, result: r };
  return JSON.stringify(doc, null, 2) + '\n';
}
