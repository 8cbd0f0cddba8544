/** Numbers and nouns as every report prints them. */

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
