// What the validator reports, shared by its stages, its writers, the CLI and the pipeline.
export type Severity = 'error' | 'warning';

export interface Finding {
  file: string;
  /** 1-based line and column of the offending field (or of the document when no field applies). */
  line: number;
  column: number;
  severity: Severity;
  /** Stable identifier (`SVC001`, `SCH001` ...); ci/validate/README.md and `--list-rules` list them. */
  ruleId: string;
  /** The `istioctl analyze` code of the same check (`IST0132` ...), shown next to ruleId. */
  istioCode?: string;
  /** `Kind/name` of the resource, or `-` when the finding is not about one resource. */
  resource: string;
  message: string;
  /** One line saying what to do about it. */
  hint: string;
  /** The field at fault, e.g. `spec.template.spec.containers[0].image`, when there is one. */
  field?: string;
}

export interface ValidationReport {
  /** Manifest files read. */
  files: number;
  /** Kubernetes objects found in them. */
  resources: number;
  /** Sorted by file, line, column. */
  findings: Finding[];
  errors: number;
  warnings: number;
  /** Paths given that could not be read: the CLI exits 2 when there is any. */
  unreadable: { path: string; reason: string }[];
}

export interface ValidateOptions {
  /** Repository root: where `services/` is (service folders), default this repository. */
  root?: string;
  /** Only YAML and schema checks, no cross-resource rules (for third-party manifests). */
  schemaOnly?: boolean;
  /**
   * Threads reading, parsing and checking files: this one and `workers - 1` worker threads (0 and
   * 1: this thread only). Default: by input size, at most one per core.
   */
  workers?: number;
  /** Namespace of resources that name none (the one `kubectl apply -n` would use). */
  defaultNamespace?: string;
}
