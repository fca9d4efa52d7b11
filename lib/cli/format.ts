/**
 * Output of the CLI: readable tables (default), one JSON document (`--json`) and CSV (`--csv`).
 * Numbers in tables are rounded for reading (6 significant digits); JSON and CSV carry every digit
 * (JavaScript's shortest round-trip form), with non-finite values as `null` (JSON) or empty (CSV).
 * @module
 */

/** A number for a table: 6 significant digits, exponent form outside [1e-4, 1e6). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(5).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}

function cell(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (v === null || v === undefined) return '-';
  return String(v);
}

/** Key-value rows aligned in two columns; an empty key starts an indented section header. */
export function keyValueTable(rows: readonly (readonly [string, unknown])[]): string {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${cell(v)}`.trimEnd()).join('\n');
}

/** A column table with a header row and a rule; numbers are right-aligned. */
export function columnTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((r) => headers.map((_, i) => cell(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const lines = [headers.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map((r) => r.map(pad).join('  '))];
  return lines.map((l) => l.trimEnd()).join('\n');
}

function csvField(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header line; numbers in full precision, non-finite ones empty. */
export function csv(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [headers.map(csvField).join(','), ...rows.map((r) => headers.map((_, i) => csvField(r[i])).join(','))].join('\n');
}

/** JSON text: typed arrays become arrays, non-finite numbers null, functions and undefined dropped. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number') return Number.isFinite(v) ? v : null;
      if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'function') return undefined;
      return v;
    },
    2,
  );
}

/** Every `step`-th index of an array of length n, always including the first and the last. */
export function thinIndices(n: number, maxRows: number): number[] {
  if (n <= maxRows) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < maxRows; k++) out.push(Math.round((k * (n - 1)) / (maxRows - 1)));
  return [...new Set(out)];
}
