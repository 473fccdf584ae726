// Subset weights as a VirtualService route holds them: subset name -> percent.

export type Weights = Readonly<Record<string, number>>;

export function equalWeights(subsets: readonly string[]): Record<string, number> {
  return Object.fromEntries(subsets.map((subset) => [subset, 100 / subsets.length]));
}

export function weightsEqual(a: Weights, b: Weights, subsets: readonly string[]): boolean {
  return subsets.every((subset) => a[subset] === b[subset]);
}

export function weightOf(weights: Weights, subset: string): number {
  const value = weights[subset];
  return value !== undefined && Number.isFinite(value) ? value : 0;
}

/** `v1=70 v2=30`, in the order of `subsets`. */
export function formatWeights(weights: Weights, subsets: readonly string[] = Object.keys(weights)): string {
  return subsets.map((subset) => `${subset}=${weightOf(weights, subset)}`).join(' ');
}
