// The detector registry: drift type -> detector. One file per detector; this map is the
// only place that knows them all (as the comparator registry does for Track A).
import type { DriftTypeName } from '../types.js';
import { detectApiReference } from './api-reference.js';
import type { Detector } from './detector.js';
import { detectEnvVar } from './env-var.js';
import { detectInstruction } from './instruction.js';
import { detectOwner } from './owner.js';

export const DETECTORS: Readonly<Record<DriftTypeName, Detector<never>>> = {
  instruction: detectInstruction as Detector<never>,
  api_reference: detectApiReference as Detector<never>,
  env_var: detectEnvVar as Detector<never>,
  owner: detectOwner as Detector<never>,
};
