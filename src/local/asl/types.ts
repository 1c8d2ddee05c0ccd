/**
 * TypeScript types of a JSONPath Amazon States Language definition (the JSON given to CreateStateMachine).
 * Field names and optionality follow the ASL specification; runtime checks live in `validate.ts`.
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** A payload template (`Parameters`, `ItemSelector`, `ResultSelector`): keys ending in `.$` are resolved. */
export type PayloadTemplate = JsonObject;

/** The languages of a state's fields: JSONPath paths and intrinsic functions, or JSONata expressions. */
export type QueryLanguage = 'JSONPath' | 'JSONata';

/** A top-level state machine, or a Parallel branch / Map item processor (without `Version`, `TimeoutSeconds`). */
export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
  Version?: string;
  QueryLanguage?: QueryLanguage;
}

/** The `ItemProcessor` (or legacy `Iterator`) of a Map state. */
export interface ItemProcessor extends StateMachineDefinition {
  ProcessorConfig?: { Mode?: 'INLINE' | 'DISTRIBUTED'; ExecutionType?: 'STANDARD' | 'EXPRESS' };
}

/** Every state type. */
export type StateType = 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';

/** Fields every state may have. */
export interface BaseState {
  Type: StateType;
  Comment?: string;
  /** The state's query language; absent, its definition's (`JSONPath` unless the top level says `JSONata`). */
  QueryLanguage?: QueryLanguage;
}

/**
 * The fields of a JSONata state (see jsonata.ts): any JSON value where a string `"{% expression %}"`, at any
 * depth, is evaluated. `Arguments` gives a Task or Parallel its input, `Output` gives the state's output.
 */
export interface JsonataFields {
  Arguments?: JsonValue;
  Output?: JsonValue;
}

/** A state that moves on: exactly one of `Next` and `End: true`. */
export interface Transition {
  Next?: string;
  End?: boolean;
}

/** `InputPath` and `OutputPath`: `null` means `{}`. */
export interface InputOutputPaths {
  InputPath?: string | null;
  OutputPath?: string | null;
}

/** `ResultPath`: `null` keeps the input, absent means `$`. */
export interface ResultPathField {
  ResultPath?: string | null;
}

/**
 * `Assign`: workflow variables to set as the state exits (JSONPath: keys ending in `.$` are resolved;
 * JSONata: `{% %}` values are evaluated); a JSONata Catcher or Choice rule may also have an `Output`.
 */
export interface Assignable {
  Assign?: JsonObject;
  Output?: JsonValue;
}

/** One entry of `Retry`. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
  Comment?: string;
}

/** One entry of `Catch`. */
export interface Catcher extends Assignable {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Comment?: string;
}

/** `Retry` and `Catch`, on Task, Parallel and Map states. */
export interface ErrorHandling {
  Retry?: Retrier[];
  Catch?: Catcher[];
}

/**
 * What Task, Parallel and Map states share: a result that goes through ResultSelector, ResultPath and
 * OutputPath, Retry and Catch, and `Assign`.
 */
export interface ResultState
  extends BaseState,
    Transition,
    InputOutputPaths,
    ResultPathField,
    ErrorHandling,
    Assignable,
    JsonataFields {
  Parameters?: PayloadTemplate;
  ResultSelector?: PayloadTemplate;
}

export interface TaskState extends ResultState {
  Type: 'Task';
  Resource: string;
  /** A number, or in a JSONata state a `{% %}` expression too (as `HeartbeatSeconds`). */
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
  HeartbeatSecondsPath?: string;
  Credentials?: JsonObject;
}

export interface PassState extends BaseState, Transition, InputOutputPaths, ResultPathField, Assignable {
  Type: 'Pass';
  Parameters?: PayloadTemplate;
  Result?: JsonValue;
}

export interface WaitState extends BaseState, Transition, InputOutputPaths, Assignable {
  Type: 'Wait';
  /** A number, or in a JSONata state a `{% %}` expression too. */
  Seconds?: number | string;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

/** The most seconds a Wait state's `Seconds` or `SecondsPath` may give (AWS: an integer from 0 to 99999999). */
export const MAX_WAIT_SECONDS = 99_999_999;

/** The largest `IntervalSeconds` and `MaxAttempts` of a retrier. */
export const MAX_RETRIER_VALUE = 99_999_999;

/** The largest `MaxDelaySeconds` of a retrier (366 days). */
export const MAX_RETRY_DELAY_SECONDS = 31_622_400;

export interface SucceedState extends BaseState, InputOutputPaths, JsonataFields {
  Type: 'Succeed';
}

export interface FailState extends BaseState {
  Type: 'Fail';
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
}

export interface ChoiceState extends BaseState, InputOutputPaths, Assignable {
  Type: 'Choice';
  Choices: TopLevelChoiceRule[];
  Default?: string;
}

export interface ParallelState extends ResultState {
  Type: 'Parallel';
  Branches: StateMachineDefinition[];
}

export interface MapState extends ResultState {
  Type: 'Map';
  ItemProcessor?: ItemProcessor;
  /** Legacy name of `ItemProcessor` (AWS honours a `ProcessorConfig` in it too). */
  Iterator?: ItemProcessor;
  ItemsPath?: string;
  /** JSONata: the items, an array or a `{% %}` expression. */
  Items?: JsonValue;
  ItemSelector?: PayloadTemplate;
  /** Legacy name of `ItemSelector`. */
  Parameters?: PayloadTemplate;
  /** A number, or in a JSONata state a `{% %}` expression too. */
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ItemReader?: ItemReader;
  ItemBatcher?: ItemBatcher;
  ResultWriter?: ResultWriter;
  /** A number, or in a JSONata state a `{% %}` expression too. */
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
  /** A number, or in a JSONata state a `{% %}` expression too. */
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
  Label?: string;
}

/** A Distributed Map's `ItemReader`: the S3 object, or the S3 listing, its items are read from. */
export interface ItemReader {
  /** `arn:aws:states:::s3:getObject` or `arn:aws:states:::s3:listObjectsV2` (any partition). */
  Resource: string;
  /** JSONPath: a payload template giving `Bucket` and `Key` (and `VersionId`), or `Bucket` and `Prefix`. */
  Parameters?: PayloadTemplate;
  /** JSONata: the same, with `{% %}` expressions at any depth. */
  Arguments?: JsonValue;
  ReaderConfig?: ReaderConfig;
}

/** How an `ItemReader` turns what it reads into items. */
export interface ReaderConfig {
  /** How the object of `s3:getObject` is parsed: `CSV`, `JSON` or `JSONL`. */
  InputType?: string;
  /** `FIRST_ROW` (the default) or `GIVEN` (then `CSVHeaders`). */
  CSVHeaderLocation?: string;
  CSVHeaders?: string[];
  /** `COMMA` (the default), `PIPE`, `SEMICOLON`, `SPACE` or `TAB`. */
  CSVDelimiter?: string;
  /** A JSON Pointer to the array of a JSON object. */
  ItemsPointer?: string;
  /** Read at most this many items (0: all); in a JSONata state a `{% %}` expression too. */
  MaxItems?: number | string;
  MaxItemsPath?: string;
}

/** A Distributed Map's `ResultWriter`: how its output is shaped (the local runtime exports nothing to S3). */
export interface ResultWriter {
  WriterConfig?: {
    /** `COMPACT`: the children's outputs; `FLATTEN`: the same, an array output spread into the results. */
    Transformation?: string;
    OutputType?: string;
  };
}

/** A Distributed Map's `ItemBatcher`: children get `{ BatchInput, Items }` instead of one item each. */
export interface ItemBatcher {
  /** A JSON value; in a JSONata state, with `{% %}` expressions at any depth. */
  BatchInput?: PayloadTemplate;
  /** A number, or in a JSONata state a `{% %}` expression too. */
  MaxItemsPerBatch?: number | string;
  MaxItemsPerBatchPath?: string;
  /** A number, or in a JSONata state a `{% %}` expression too. */
  MaxInputBytesPerBatch?: number | string;
  MaxInputBytesPerBatchPath?: string;
}

/** Any state, discriminated by `Type`. */
export type State =
  | TaskState
  | PassState
  | WaitState
  | SucceedState
  | FailState
  | ChoiceState
  | ParallelState
  | MapState;

/** The comparison operators of a Choice rule, each with its `...Path` form. */
export const COMPARISON_OPERATORS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'StringMatches',
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const;

/** A comparison operator name (`StringEquals`, ..., `IsTimestamp`). */
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** A comparison operator whose value may instead come from the input (`StringEqualsPath`, ...). */
export type PathComparisonOperator = `${Exclude<ComparisonOperator, `Is${string}` | 'StringMatches'>}Path`;

/** A data-test expression: `Variable` plus exactly one comparison operator. */
export type ComparisonRule = { Variable: string; Comment?: string } & {
  [K in ComparisonOperator]?: K extends `Is${string}` | 'BooleanEquals'
    ? boolean
    : K extends `Numeric${string}`
      ? number
      : string;
} & { [K in PathComparisonOperator]?: string };

/** A Boolean combination of rules. */
export interface AndRule {
  And: ChoiceRule[];
  Comment?: string;
}
export interface OrRule {
  Or: ChoiceRule[];
  Comment?: string;
}
export interface NotRule {
  Not: ChoiceRule;
  Comment?: string;
}

/** A Choice rule, nested or not. */
export type ChoiceRule = ComparisonRule | AndRule | OrRule | NotRule;

/** A rule of `Choices`: a rule with the `Next` state to go to when it matches (and what it assigns then). */
export type TopLevelChoiceRule = ChoiceRule & { Next: string } & Assignable;

/** A rule of a JSONata Choice state: its `Condition`, a `{% %}` expression, must give a boolean. */
export interface JsonataChoiceRule extends Assignable {
  Condition: string | boolean;
  Next: string;
}
