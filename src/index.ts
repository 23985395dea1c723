// The mmcheck package: the checker API, for model files and for users' own test suites.
export * from './engine/index.js';
export { expectHolds, expectViolation, ModelCheckError } from './expect.js';
export { renderText } from './report/text.js';
export { renderJson, RESULT_SCHEMA_VERSION, type ResultDocument } from './report/json.js';
export { resultJsonSchema } from './report/schema.js';
export { renderLockdep } from './report/lockdep.js';
export { renderMermaid } from './report/mermaid.js';
