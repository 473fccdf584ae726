// The one test for "a map of fields" (a JSON/YAML object), shared by modules that must stay light:
// importing it never loads the Kubernetes client.
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
