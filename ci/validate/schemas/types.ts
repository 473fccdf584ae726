/** A JSON schema node, as found in OpenAPI documents and CRDs. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * Schemas for a set of kinds: `kinds` maps `apiVersion/kind` (e.g. `apps/v1/Deployment`) to the
 * name of its root in `definitions`; references between definitions are `#/definitions/<name>`.
 */
export interface SchemaBundle {
  /** Where the schemas come from (package, module and version), for messages and cache keys. */
  source: string;
  kinds: Record<string, string>;
  definitions: Record<string, JsonSchema>;
}

export const kindKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;
