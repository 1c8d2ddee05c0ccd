import type pg from 'pg';
import { ValidationError } from '#core/errors.ts';
import { TYPE_EXTENSIONS, withQualifiedNames } from './ddl.ts';

/** A schema object that a backup's DDL does not recreate: `{ kind: 'view', name: 'public.happy_people' }`. */
export interface SchemaObject {
  readonly kind: string;
  readonly name: string;
}

/** The schema a comment's object (`d`, a `pg_description` row) belongs to, for objects named by a table. */
const COMMENTED_SCHEMA = `coalesce(o.schema, (SELECT nspname FROM pg_namespace WHERE oid = CASE d.classoid
    WHEN 'pg_namespace'::regclass THEN d.objoid
    WHEN 'pg_trigger'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid =
      (SELECT tgrelid FROM pg_trigger WHERE oid = d.objoid))
    WHEN 'pg_policy'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid =
      (SELECT polrelid FROM pg_policy WHERE oid = d.objoid))
    WHEN 'pg_rewrite'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid =
      (SELECT ev_class FROM pg_rewrite WHERE oid = d.objoid)) END))`;

/**
 * The objects of the schemas `$1` that `schemaDdl` does not recreate: views, materialized views, foreign
 * tables, functions, procedures, aggregates, triggers (a partition's clone of its parent's with it),
 * policies, rules, statistics objects, base types, the extensions kept there (but those of column types,
 * which the DDL creates) and the comments on objects there; an extension's objects, and those made with
 * another object (a range type's constructors), go with it. In the order a message names them.
 */
const LEFT_OUT = `
  WITH ${TYPE_EXTENSIONS},
  rels AS (SELECT c.oid, c.relkind, n.nspname, c.relname FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])),
  objects(classid, objid, kind, name) AS (
    SELECT 'pg_class'::regclass, oid, CASE relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
      ELSE 'foreign table' END, format('%I.%I', nspname, relname) FROM rels WHERE relkind IN ('v', 'm', 'f')
    UNION ALL SELECT 'pg_proc'::regclass, p.oid, CASE p.prokind WHEN 'p' THEN 'procedure'
      WHEN 'a' THEN 'aggregate' ELSE 'function' END, p.oid::regprocedure::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1::text[])
    UNION ALL SELECT 'pg_trigger'::regclass, g.oid, 'trigger', format('%I on %I.%I', g.tgname, r.nspname, r.relname)
      FROM pg_trigger g JOIN rels r ON r.oid = g.tgrelid WHERE NOT g.tgisinternal AND g.tgparentid = 0
    UNION ALL SELECT 'pg_policy'::regclass, p.oid, 'policy', format('%I on %I.%I', p.polname, r.nspname, r.relname)
      FROM pg_policy p JOIN rels r ON r.oid = p.polrelid
    UNION ALL SELECT 'pg_rewrite'::regclass, w.oid, 'rule', format('%I on %I.%I', w.rulename, r.nspname, r.relname)
      FROM pg_rewrite w JOIN rels r ON r.oid = w.ev_class WHERE w.rulename <> '_RETURN'
    UNION ALL SELECT 'pg_statistic_ext'::regclass, s.oid, 'statistics object', format('%I.%I', n.nspname, s.stxname)
      FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = ANY($1::text[])
    UNION ALL SELECT 'pg_type'::regclass, t.oid, 'type', format_type(t.oid, NULL)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = ANY($1::text[]) AND t.typtype IN ('b', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
    UNION ALL SELECT 'pg_extension'::regclass, x.oid, 'extension', quote_ident(x.extname)
      FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     WHERE n.nspname = ANY($1::text[]) AND x.oid NOT IN (SELECT oid FROM extensions))
  SELECT kind, name FROM (
  SELECT kind, name FROM objects o WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
    WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype IN ('e', 'i'))
  UNION ALL
  SELECT 'comment', format('on %s %s', o.type, o.identity)
    FROM pg_description d CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
   WHERE d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass
     AND ${COMMENTED_SCHEMA} = ANY($1::text[])
     AND NOT EXISTS (SELECT 1 FROM pg_depend x
       WHERE x.classid = d.classoid AND x.objid = d.objoid AND x.deptype = 'e')) AS l
  ORDER BY array_position(ARRAY['extension', 'type', 'function', 'procedure', 'aggregate', 'view',
    'materialized view', 'foreign table', 'trigger', 'rule', 'policy', 'statistics object'], kind), name`;

/**
 * The objects of `schemas` that a backup's DDL does not recreate, named as {@link SchemaObject}s (a
 * function with its argument types, a trigger or policy `<name> on <table>`, a comment `on <its object>`).
 * Runs in the caller's transaction.
 */
export async function objectsLeftOut(client: pg.Client, schemas: readonly string[]): Promise<SchemaObject[]> {
  return withQualifiedNames(client, async () => (await client.query<SchemaObject>(LEFT_OUT, [schemas])).rows);
}

/**
 * Refuses (`ValidationError`, naming them) a restore into a database without the backup's tables when
 * the database lacks any of `recorded`, the objects of `schemas` that the backup does not recreate.
 *
 * @example
 * await refuseLeavingOut(client, manifest.schemas, manifest.leftOut ?? []);
 */
export async function refuseLeavingOut(
  client: pg.Client,
  schemas: readonly string[],
  recorded: readonly SchemaObject[],
): Promise<void> {
  const present = new Set((await objectsLeftOut(client, schemas)).map(objectKey));
  const missing = recorded.filter((object) => !present.has(objectKey(object)));
  if (missing.length === 0) return;
  throw new ValidationError(
    `restore into an empty database would leave out ${objectsList(missing)}: the backup recreates only ` +
      'its tables, with their types, sequences and indexes. Restore over the database the backup came ' +
      'from, or apply its migrations first (cutover run database-migration without a copy) and restore ' +
      'over them',
  );
}

function objectKey({ kind, name }: SchemaObject): string {
  return `${kind} ${name}`;
}

/** `1 function (public.f(text)), 2 views (public.v, public.w)`, kinds in order of appearance. */
function objectsList(objects: readonly SchemaObject[]): string {
  const byKind = new Map<string, string[]>();
  for (const { kind, name } of objects) byKind.set(kind, [...(byKind.get(kind) ?? []), name]);
  return [...byKind]
    .map(
      ([kind, names]) => `${names.length} ${names.length === 1 ? kind : plural(kind)} (${names.join(', ')})`,
    )
    .join(', ');
}

function plural(kind: string): string {
  if (kind.endsWith('y')) return `${kind.slice(0, -1)}ies`;
  return kind.endsWith('s') ? `${kind}es` : `${kind}s`;
}
