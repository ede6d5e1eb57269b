// The shape of `blendwarp gblend`'s results.json, one source for the file and its TypeScript type:
// the command line builds the file as a GBlendResultsJson. The documented contract (README):
// {"methods": [{"name", "top1", "top1_std", "top5", "weights"}], ...}.
import type { Aggregate, MethodResult } from './methods.js';

export interface GBlendResultsJson {
  /** Per method, mean and std over seeds (fractions in [0, 1]); `weights` per head name, or null. */
  methods: Aggregate[];
  data: { kind: string; notes: string[]; modalities: { name: string; shape: readonly number[] }[]; train: number; test: number };
  config: Record<string, unknown>;
  /** Every (method, seed) run with its history and weight estimates. */
  runs: Pick<MethodResult, 'name' | 'seed' | 'top1' | 'top5' | 'weights' | 'testHeads' | 'estimates' | 'history'>[];
  command: string;
}
