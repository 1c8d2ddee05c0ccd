/** The two patch semantics the emulator implements: JSON merge patch and (a simplified) server-side apply. */

type Json = unknown;

function isMap(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch: maps merge, `null` deletes, everything else (lists too) replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * Server-side apply, simplified: the applied configuration's maps merge into the live object and its lists
 * replace the live lists (the real server merges some lists by key; Cutover always applies whole lists).
 */
export function applyConfiguration(live: Json, applied: Json): Json {
  if (!isMap(applied)) return structuredClone(applied);
  const result: Record<string, Json> = isMap(live) ? { ...live } : {};
  for (const [key, value] of Object.entries(applied)) {
    result[key] = applyConfiguration(result[key], value);
  }
  return result;
}
