/**
 * JSON text the way Python's `json.dumps(value, ensure_ascii=False)` writes it (", " and ": "
 * separators), which is how Mistral's tooling and Jinja's `tojson` serialise tools in prompts.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v === undefined ? null : v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
