import * as z from 'zod';
import { CutoverConfigError } from './errors.ts';

/** Reads a context value: `cdk.json` gives JSON, `-c key=value` gives a string (a list may be comma-separated). */
type ContextReader = (key: string) => unknown;

const list = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().min(1)),
);
const json = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^\s*[[{]/.test(value) ? JSON.parse(value) : value),
    schema,
  );

/** The context keys of `bin/app.ts`, each validated: a missing or bad value fails synth naming the key. */
const contextObject = z.object({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('Cutover'),
  clusterName: z.string().min(1),
  allowedNamespaces: list.pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)).min(1)),
  vpcId: z
    .string()
    .regex(/^vpc-[0-9a-f]+$/)
    .optional(),
  subnetIds: list.pipe(z.array(z.string().regex(/^subnet-[0-9a-f]+$/))).optional(),
  securityGroupIds: list.pipe(z.array(z.string().regex(/^sg-[0-9a-f]+$/))).optional(),
  alarmEmail: z.email().optional(),
  listenerArns: list.optional(),
  eksRoleArns: list.optional(),
  prometheusWorkspaceArns: list.optional(),
  rdsInstanceIdentifiers: list.optional(),
  databaseSecretArns: list.optional(),
  hookSecretArns: list.optional(),
  eventBusName: z.string().min(1).optional(),
  backupRetentionDays: z.coerce.number().int().min(1).optional(),
  ecrTriggers: json(
    z.array(
      z.object({
        repositoryName: z.string().min(1),
        strategy: z.string().min(1),
        request: z.record(z.string(), z.unknown()),
      }),
    ),
  ).optional(),
});

/** {@link contextObject} with the rules that tie keys together. */
export const contextSchema = contextObject
  .refine((context) => !context.subnetIds || context.vpcId, {
    message: 'subnetIds needs vpcId',
    path: ['vpcId'],
  })
  .refine((context) => !context.vpcId || context.subnetIds?.length, {
    message: 'vpcId needs subnetIds (the private subnets of the task functions)',
    path: ['subnetIds'],
  });

export type CutoverContext = z.infer<typeof contextSchema>;

/**
 * The validated context of `bin/app.ts`. Throws one error naming every missing or bad key.
 *
 * @example
 * const context = readContext((key) => app.node.tryGetContext(key));
 */
export function readContext(read: ContextReader): CutoverContext {
  const keys = Object.keys(contextObject.shape);
  const raw = Object.fromEntries(
    keys.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  const result = contextSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(context)'}: ${issue.message}`,
  );
  throw new CutoverConfigError(
    `cdk.json context (or -c key=value) is missing or wrong:\n- ${problems.join('\n- ')}`,
  );
}
