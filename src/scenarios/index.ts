// Every built-in target the command line can name.
import type { Model } from '../engine/index.js';
import { classicModels } from './classic.js';

export interface Target {
  name: string;
  description: string;
  /** 'engine benchmark', 'design', ... : how `mmcheck list` groups it */
  group: string;
  model(): Model;
}

export function targets(): Target[] {
  return classicModels.map((m) => ({ name: m.name, description: m.description, group: 'engine benchmark', model: () => m.make() }));
}

export function findTarget(name: string): Target | undefined {
  return targets().find((t) => t.name === name);
}
