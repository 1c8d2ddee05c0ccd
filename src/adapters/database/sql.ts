/** SQL text helpers shared by the database modules. */

/** Quotes an identifier (`order` -> `"order"`). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for statements that take no parameters (COPY); needs standard_conforming_strings. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A table's schema and name. */
export interface TableName {
  readonly schema: string;
  readonly name: string;
}

/** `"schema"."name"` */
export function qualified(table: TableName): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** `schema.name`, the form tables are named by in inputs, outputs and errors. */
export function tableLabel(table: TableName): string {
  return `${table.schema}.${table.name}`;
}

/** `"schema"."name"` of a {@link tableLabel} (`schema.name`, split at its first dot). */
export function quotedLabel(label: string): string {
  const dot = label.indexOf('.');
  return `${quoteIdent(label.slice(0, dot))}.${quoteIdent(label.slice(dot + 1))}`;
}

/** A comma-separated list of quoted identifiers. */
export function identList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}
