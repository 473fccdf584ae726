/** This folder: the validator's sources. */
export const VALIDATE_SOURCES: string;
/** Path of the bundle of `entry` (a file of ci/validate), built when missing or stale; throws without esbuild. */
export function prebuilt(entry: string, name: string, options?: { sourceDir?: string; cacheDir?: string }): string;
