import type { loadGitleaks } from './source.mjs';

export const NS_PER_LINE_BUDGET: number;
export const LOG_MIX: readonly string[];
export function coveredRuleIds(
  gitleaks: ReturnType<typeof loadGitleaks>,
  options: { lookahead: boolean },
): Set<string>;
export function collectorSubset(gitleaks: ReturnType<typeof loadGitleaks>): {
  chosen: { id: string; regex: string; ns: number }[];
  left: string[];
};
