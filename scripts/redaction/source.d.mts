export const GITLEAKS_MODULE: string;
export const GITLEAKS_VERSION: string;
export interface GitleaksExample {
  text: string;
  /** What gitleaks' own detector reports as the secret(s) of this example. */
  secrets: string[];
}
export interface GitleaksFalsePositive {
  text: string;
  /** Rules of the whole default config that flag it anyway. */
  flaggedBy: string[];
}
export interface GitleaksCorpusEntry {
  id: string;
  tps: GitleaksExample[];
  fps: GitleaksFalsePositive[];
}
export function cacheDir(): string;
export function loadGitleaks(): {
  rules: { id: string; regex: string; keywords: string[] | null }[];
  allowlists: unknown[];
  corpus: GitleaksCorpusEntry[];
  license: string;
  sum: string;
};
