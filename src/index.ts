// The mmcheck package: the checker API, for model files and for users' own test suites.
export * from './engine/index.js';
export { renderText } from './report/text.js';
export { renderJson, RESULT_SCHEMA_VERSION, type ResultDocument } from './report/json.js';
