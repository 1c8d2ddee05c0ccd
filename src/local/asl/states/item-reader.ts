/**
 * A Distributed Map's `ItemReader`: its items read from an S3 object (`s3:getObject`, parsed as CSV, JSON or
 * JSON Lines) or an S3 listing (`s3:listObjectsV2`), at most `MaxItems` of them. A read that fails is
 * `States.ItemReaderFailed`, as on AWS.
 */
import { resolvePayloadTemplate } from '../data-flow.ts';
import { itemReaderFailed } from '../errors.ts';
import { deeperThan, MAX_JSON_DEPTH } from '../expressions/json-values.ts';
import { MAP_FIELD_BOUNDS, numberAtPath } from '../expressions/map-field-bounds.ts';
import { readPath } from '../jsonpath.ts';
import type { ListedObject, ObjectStorage } from '../object-storage.ts';
import type { StateRun } from '../state-run.ts';
import type { ItemReader, MapState } from '../types.ts';
import { CSV_DELIMITERS, csvItems } from './csv-items.ts';
import { jsonItems, jsonLinesItems } from './json-items.ts';

/** The `ReaderConfig.InputType` values this runtime parses. */
export const READER_INPUT_TYPES = ['CSV', 'JSON', 'JSONL'] as const;

/** What the reader's `Parameters` (`Arguments`) give, checked. */
interface ReadTarget {
  bucket: string;
  key?: string;
  versionId?: string;
  prefix?: string;
}

/** What an `ItemReader` read: the items, and where from as `$$.Map.Item.Source` names it. */
export interface ReadItems {
  items: unknown[];
  /** `S3://bucket/key` for an object's items, `S3://bucket` for a listing, as AWS writes them. */
  source: string;
}

/**
 * The Map state's items, read as its `ItemReader` says, the first `maxItems` of them (0: all; see
 * {@link maxItemsOf}); `effective` is the Map's input after InputPath.
 */
export async function readItems(
  run: StateRun<MapState>,
  effective: unknown,
  maxItems: number,
): Promise<ReadItems> {
  const reader = run.state.ItemReader!;
  // As AWS records, a negative count fails the read, once a Distributed Map's Map Run has started.
  if (maxItems < 0) throw itemReaderFailed('field MaxItems must be positive');
  const target = readTarget(await readerParameters(run, reader, effective));
  const storage = run.engine.objectStorage;
  if (!storage) {
    throw itemReaderFailed(
      'The local runtime has no S3 to read the items from: it reads them from the local S3 server of its data directory (cutover local without --no-data-services)',
    );
  }
  const listing = reader.Resource.endsWith(':listObjectsV2');
  const items = listing
    ? listedItems(await request(() => storage.listObjects(target.bucket, target.prefix), target))
    : await objectItems(run, storage, target);
  const tooDeep = deeperThan(items, MAX_JSON_DEPTH - 1);
  if (tooDeep !== undefined) {
    throw itemReaderFailed(
      `The items read nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the local runtime's limit (at ${tooDeep.slice(0, 60)})`,
    );
  }
  return {
    items: maxItems > 0 ? items.slice(0, maxItems) : items,
    source: listing ? `S3://${target.bucket}` : `S3://${target.bucket}/${target.key}`,
  };
}

/** `Parameters` resolved against the effective input, or in a JSONata state `Arguments` evaluated. */
function readerParameters(run: StateRun<MapState>, reader: ItemReader, effective: unknown): unknown {
  if (run.jsonata) return run.evaluate(reader.Arguments ?? {}, 'Arguments', run.states());
  return resolvePayloadTemplate(reader.Parameters ?? {}, effective, run.contextSource(), run.frame);
}

function readTarget(parameters: unknown): ReadTarget {
  const fields = (typeof parameters === 'object' && parameters !== null ? parameters : {}) as Record<
    string,
    unknown
  >;
  const text = (field: string, required: boolean): string | undefined => {
    const value = fields[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') {
      throw itemReaderFailed(
        `The ItemReader's ${field} must be a non-empty string (got ${JSON.stringify(value ?? null)})`,
      );
    }
    return value;
  };
  return {
    bucket: text('Bucket', true)!,
    key: text('Key', false),
    versionId: text('VersionId', false),
    prefix: fields.Prefix === '' ? undefined : text('Prefix', false),
  };
}

/**
 * The Map state's `ReaderConfig.MaxItems` (0 or absent: all): a number, a JSONata expression, or the value
 * `MaxItemsPath` selects, read before a Distributed Map's Map Run starts. As AWS records, a selected fraction
 * is `States.Runtime` then, and a negative count fails the read (see {@link readItems}); a selected count
 * above the literal maximum reads all items.
 */
export async function maxItemsOf(run: StateRun<MapState>, effective: unknown): Promise<number> {
  const config = run.state.ItemReader!.ReaderConfig ?? {};
  if (config.MaxItemsPath !== undefined) {
    const selected = readPath(config.MaxItemsPath, effective, run.contextSource(), run.frame);
    return numberAtPath('MaxItemsPath', config.MaxItemsPath, selected, true);
  }
  if (config.MaxItems === undefined) return 0;
  if (typeof config.MaxItems === 'number') return config.MaxItems;
  return run.evaluateWithin(config.MaxItems, 'MaxItems', run.states(), MAP_FIELD_BOUNDS.MaxItems);
}

/** The items of the object `target` names, parsed as its `ReaderConfig.InputType` says. */
async function objectItems(
  run: StateRun<MapState>,
  storage: ObjectStorage,
  target: ReadTarget,
): Promise<unknown[]> {
  const config = run.state.ItemReader!.ReaderConfig ?? {};
  const key = target.key ?? '';
  if (key === '') throw itemReaderFailed('The ItemReader of s3:getObject needs a Key');
  const text = await request(() => storage.getObjectText(target.bucket, key, target.versionId), target);
  const where = `s3://${target.bucket}/${key}`;
  switch (config.InputType) {
    case 'CSV':
      return csvItems(text, {
        delimiter: CSV_DELIMITERS[(config.CSVDelimiter ?? 'COMMA') as keyof typeof CSV_DELIMITERS],
        headers: config.CSVHeaderLocation === 'GIVEN' ? config.CSVHeaders : undefined,
      });
    case 'JSONL':
      return jsonLinesItems(text, where);
    default:
      return jsonItems(text, where, config.ItemsPointer);
  }
}

/** The items of an `s3:listObjectsV2` reader, shaped as AWS gives them (`LastModified` in epoch seconds). */
function listedItems(objects: readonly ListedObject[]): unknown[] {
  return objects.map((object) => ({
    Etag: object.etag,
    Key: object.key,
    LastModified: Math.floor(object.lastModified.getTime() / 1000),
    Size: object.size,
    StorageClass: object.storageClass,
  }));
}

/** Runs an S3 request; a failure is `States.ItemReaderFailed` naming S3's error code and the target. */
async function request<T>(call: () => Promise<T>, target: ReadTarget): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const { name, message } = error as Error;
    const where = `s3://${target.bucket}/${target.key ?? target.prefix ?? ''}`;
    throw itemReaderFailed(`S3 failed to read ${where}: ${name}: ${message}`);
  }
}
