// Every built-in target the command line can name.
import type { Model } from '../engine/index.js';
import { classicModels } from './classic.js';
import { VFIO_DESIGNS } from '../drivers/vfio-pci/index.js';
import { VFIO_SCENARIOS, growth_scenario, vfio_model, type growth_axis } from './vfio.js';

export interface Target {
  name: string;
  description: string;
  /** 'engine benchmark', 'design', ... : how `mmcheck list` groups it */
  group: string;
  model(): Model;
  /** the scenarios it can run in (`--scenario NAME`); model() is the first */
  scenarios?: { name: string; description: string; model(): Model }[];
}

export function targets(): Target[] {
  return [
    ...classicModels.map((m) => ({ name: m.name, description: m.description, group: 'engine benchmark', model: () => m.make() })),
    ...VFIO_DESIGNS.map((d) => ({
      name: d.name,
      description: d.summary,
      group: 'design',
      model: () => vfio_model(d, VFIO_SCENARIOS[0]),
      scenarios: VFIO_SCENARIOS.map((s) => ({ name: s.name, description: s.description, model: () => vfio_model(d, s) })),
    })),
  ];
}

export function findTarget(name: string): Target | undefined {
  return targets().find((t) => t.name === name);
}

export class UnknownTarget extends Error {}

/**
 * The model of a built-in target, by name (or "design/scenario", as results name their model)
 * and scenario: what the command line checks and what parallel exploration's workers import.
 */
export function builtinModel(target: string, scenario?: string): Model {
  const [design, named] = target.split('/');
  if (named !== undefined && scenario === undefined && findTarget(design)?.scenarios) return builtinModel(design, named);
  const t = findTarget(target);
  if (!t) throw new UnknownTarget(`unknown model or design "${target}" (mmcheck list shows them)`);
  if (scenario === undefined) return t.model();
  const s = t.scenarios?.find((x) => x.name === scenario);
  if (!s) throw new UnknownTarget(`${target} has no scenario "${scenario}" (${t.scenarios ? `known: ${t.scenarios.map((x) => x.name).join(', ')}` : 'it has none'})`);
  return s.model();
}

/** A design in a growing scenario (growth_scenario): the cost-growth and parallel benchmarks' models. */
export function growthModel(design: string, axis: growth_axis, n: number): Model {
  const d = VFIO_DESIGNS.find((x) => x.name === design);
  if (!d) throw new UnknownTarget(`unknown design "${design}"`);
  return vfio_model(d, growth_scenario(axis, n));
}
