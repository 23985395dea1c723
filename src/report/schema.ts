// JSON Schema (draft 2020-12) of `mmcheck check --format json`, so users can validate it.
import { RESULT_SCHEMA_VERSION } from './json.js';

const traceEvent = {
  type: 'object',
  required: ['step', 'thread', 'frames', 'op', 'object'],
  properties: {
    step: { type: 'integer', minimum: 0 },
    thread: { type: 'string' },
    frames: { type: 'array', items: { type: 'string' }, description: 'call frames, outermost first' },
    op: { type: 'string' },
    object: { type: 'string' },
    value: { description: 'what the step read, wrote or returned' },
    what: { type: 'string' },
  },
};

const trace = {
  type: 'object',
  required: ['events', 'schedule', 'threads'],
  properties: {
    events: { type: 'array', items: traceEvent },
    schedule: { type: 'string', pattern: '^(\\d+(\\*\\d+)?(\\.\\d+(\\*\\d+)?)*)?$', description: 'thread index per step; i*n is a run' },
    threads: { type: 'array', items: { type: 'string' } },
  },
};

const violation = {
  type: 'object',
  required: ['kind', 'property', 'message', 'trace'],
  properties: {
    kind: { enum: ['assertion', 'final-check', 'invariant', 'deadlock', 'lock-order-cycle', 'lock-misuse', 'model-error'] },
    property: { type: 'string' },
    message: { type: 'string' },
    trace,
    cycle: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from', 'to', 'fromMode', 'toMode', 'thread', 'trace'],
        properties: {
          from: { type: 'string' }, to: { type: 'string' },
          fromMode: { enum: ['read', 'write'] }, toMode: { enum: ['read', 'write'] },
          thread: { type: 'string' }, trace,
        },
      },
    },
    blocked: {
      type: 'array',
      items: { type: 'object', required: ['thread', 'waitsFor', 'op'], properties: { thread: { type: 'string' }, waitsFor: { type: 'string' }, op: { type: 'string' } } },
    },
  },
};

const count = { type: 'integer', minimum: 0 };

export const resultJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `mmcheck/result/v${RESULT_SCHEMA_VERSION}`,
  title: 'mmcheck result',
  type: 'object',
  required: ['schema', 'version', 'result'],
  properties: {
    schema: { const: 'mmcheck/result' },
    version: { const: RESULT_SCHEMA_VERSION },
    result: {
      type: 'object',
      required: ['model', 'strategy', 'verdict', 'witnesses', 'stats'],
      properties: {
        model: { type: 'string' },
        strategy: { type: 'string' },
        verdict: { enum: ['holds', 'violated', 'incomplete', 'model-error'] },
        violation,
        cycles: { type: 'array', items: violation },
        incomplete: { enum: ['max-executions', 'step-bound', 'timeout', 'samples'] },
        vacuous: { type: 'boolean' },
        witnesses: { type: 'array', items: { type: 'object', required: ['name', 'executions'], properties: { name: { type: 'string' }, executions: count } } },
        stats: {
          type: 'object',
          required: ['executions', 'complete', 'deadlocked', 'violating', 'bounded', 'sleepBlocked', 'transitions', 'wallMs', 'peakRssMb'],
          properties: {
            executions: count, complete: count, deadlocked: count, violating: count, bounded: count,
            sleepBlocked: count, transitions: count, wallMs: { type: 'number' }, peakRssMb: { type: 'number' },
          },
        },
        notes: { type: 'array', items: { type: 'string' } },
        estimate: {
          type: 'object',
          description: 'the executions the search was estimated to take, before it started (check --estimate)',
          required: ['executions', 'method', 'probes', 'relativeError', 'seed', 'wallMs'],
          properties: {
            executions: { type: 'number', minimum: 0, description: 'the mean of the probes' },
            method: { enum: ['interleavings', 'traces'] },
            probes: { type: 'integer', minimum: 1 },
            relativeError: { type: ['number', 'null'], minimum: 0, description: 'standard error of the mean over the mean; null when every probe gave 0' },
            seed: count,
            wallMs: { type: 'number' },
          },
        },
      },
    },
  },
} as const;
