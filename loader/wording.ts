/** Numbers, nouns and tables as every report prints them. */

/** `1,234`: thousands grouped as en-US prints them (Intl is slow to start, and reports call this often). */
export function count(value: number): string {
  const digits = String(Math.abs(value));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return value < 0 ? `-${grouped}` : grouped;
}

/** `1 entry`, `2 entries`, `1,401 words`: the count and the noun in the number it takes. */
export function quantity(value: number, singular: string, plural = `${singular}s`): string {
  return `${count(value)} ${value === 1 ? singular : plural}`;
}

/** The noun alone, for reports that print their numbers ungrouped: `entry` or `entries`. */
export function noun(value: number | bigint, singular: string, plural = `${singular}s`): string {
  return value === 1 || value === 1n ? singular : plural;
}

/**
 * Rows as aligned columns, each line indented two spaces, two spaces between columns, trailing
 * blanks dropped.
 */
export function columns(rows: readonly (readonly string[])[]): string[] {
  // A reduce, not Math.max(...rows): a spread of 100,000 rows overflows the stack.
  const widths = rows[0]?.map((_, column) => rows.reduce((width, row) => Math.max(width, row[column]?.length ?? 0), 0)) ?? [];
  return rows.map(
    (row) =>
      `  ${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}`,
  );
}
