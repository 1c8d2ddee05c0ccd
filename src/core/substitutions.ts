/**
 * ASL definition substitutions other than `${<VerbNoun>FunctionArn}`, with the value the local runtime
 * uses. The CDK app supplies its own value for each name; a synth-time check keeps the two in step.
 */
export const LOCAL_SUBSTITUTIONS: Readonly<Record<string, string>> = {};
