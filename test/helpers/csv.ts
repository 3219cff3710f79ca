// Reads back the CSV files the report writes with an independent RFC 4180 parser (csv-parse), strict
// about quoting and column counts, so a malformed file fails the test that reads it.
import { parse } from 'csv-parse/sync';

export function csvRows(text: string): string[][] {
  return parse(text, { bom: false, relax_quotes: false }) as string[][];
}

export function csvRecords(text: string): Record<string, string>[] {
  return parse(text, { columns: true, relax_quotes: false }) as Record<string, string>[];
}
