import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ABORT_ERROR,
  API_ABORT_REASON,
  API_ROUTES,
  type ApiOperation,
  type ApiRoute,
  type JsonSchema,
  NOT_A_RELEASE,
  NOT_READABLE,
} from '#core/api-routes.ts';
import { NO_PENDING_APPROVAL } from './approval-machine.ts';
import { pascalCase } from './discovery.ts';
import { CutoverConfigError } from './errors.ts';
import type { CutoverMonitoring } from './monitoring.ts';
import { type ApiMethod, type ReleaseApiCallers, restrictCallers } from './release-api-policy.ts';

/** Props of {@link ReleaseApi}; the callers' lists make its resource policy ({@link restrictCallers}). */
export interface ReleaseApiProps extends ReleaseApiCallers {
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /**
   * The other state machines whose executions `GET /releases/{executionId}` reads, as the local runtime's
   * API does: the database migration and the rollback an abort starts.
   * @default none
   */
  readonly readableStateMachines?: readonly sfn.IStateMachine[];
  /** The request JSON Schema of each strategy (draft 4), used as the API model of its start route. */
  readonly requestSchemas: Readonly<Record<string, JsonSchema>>;
  /**
   * The EXPRESS approve/reject state machine.
   * @default none: no approval routes (no state machine waits for a task token)
   */
  readonly approvals?: sfn.IStateMachine;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Where the alarm on the API's 5XX answers goes. */
  readonly monitoring: CutoverMonitoring;
}

const JSON_TYPE = 'application/json';
/** The routes the approval state machine answers. */
const APPROVAL_OPERATIONS: ReadonlySet<ApiOperation> = new Set([
  'DescribeApproval',
  'SendTaskSuccess',
  'SendTaskFailure',
]);
const ERROR_BODY = `{"message": "$util.escapeJavaScript($input.path('$.message'))"}`;
/** A VTL expression escaping `value` for a JSON string (escapeJavaScript also escapes `'`, which JSON does not allow). */
const escaped = (value: string) => `$util.escapeJavaScript(${value}).replaceAll("\\\\'", "'")`;
/** The request body as an escaped JSON string. */
const BODY_AS_STRING = escaped("$input.json('$')");

/**
 * The answer to a call Step Functions refused: 404 for an execution that does not exist, 403 with `denied`
 * for one the API's role may not reach, 400 with Step Functions' message otherwise.
 */
function refusal(denied: string): string {
  return [
    "#set($type = $input.path('$.__type'))",
    "#if($type.contains('ExecutionDoesNotExist'))#set($context.responseOverride.status = 404)",
    ERROR_BODY,
    "#elseif($type.contains('AccessDenied'))#set($context.responseOverride.status = 403)",
    `{"message": "${denied}"}`,
    '#else',
    ERROR_BODY,
    '#end',
  ].join('\n');
}

/**
 * The stage's throttling, per second, which API Gateway applies to each method (route) on its own, not to
 * all of them together. People and CI start, read and answer releases a few times a minute: 10 requests a
 * second, in bursts of 20, leaves room for pipelines polling a release, while a runaway script gets 429s
 * before it uses up the Step Functions API quotas that every workflow of the account shares.
 */
const THROTTLING = { throttlingRateLimit: 10, throttlingBurstLimit: 20 } as const;

const field = apigw.AccessLogField;
/**
 * One JSON object per request: the request, its answer and error, and the caller as IAM authenticated it,
 * so that a release or an approval is attributed to a person or pipeline (`userArn`: the role and session,
 * `arn:aws:sts::123456789012:assumed-role/Deployer/alice`).
 */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: field.contextRequestId(),
    extendedRequestId: field.contextExtendedRequestId(),
    requestTime: field.contextRequestTime(),
    httpMethod: field.contextHttpMethod(),
    resourcePath: field.contextResourcePath(),
    path: field.contextPath(),
    protocol: field.contextProtocol(),
    status: field.contextStatus(),
    responseLength: field.contextResponseLength(),
    responseLatency: field.contextResponseLatency(),
    // What Step Functions answered (`$context.integrationStatus` is Lambda proxy integrations' only).
    integrationStatus: '$context.integration.status',
    errorMessage: field.contextErrorMessage(),
    errorResponseType: field.contextErrorResponseType(),
    userArn: field.contextIdentityUserArn(),
    caller: field.contextIdentityCaller(),
    user: field.contextIdentityUser(),
    accountId: field.contextIdentityAccountId(),
    principalOrgId: field.contextIdentityPrincipalOrgId(),
    ip: field.contextIdentitySourceIp(),
    userAgent: field.contextIdentityUserAgent(),
  }),
);

/**
 * The release API of {@link API_ROUTES} on API Gateway REST, regional, IAM-authorized, throttled, each route
 * a direct AWS service integration: StartExecution (body validated against the strategy's schema: a bad
 * body is a 400 naming the field, and nothing starts), DescribeExecution, and approve/reject through the
 * approval state machine's StartSyncExecution, the caller's IAM identity recorded as the `approver`. Its
 * resource policy lets only the `releaseApiPrincipals` start releases and the `approverPrincipals` answer
 * them, when given. Its access log names each caller; any 5XX answer alarms.
 *
 * @example
 * new ReleaseApi(this, 'Api', { stateMachines, requestSchemas, approvals, ... });
 */
export class ReleaseApi extends Construct {
  readonly api: apigw.RestApi;
  /** Publishes to the alert topic when the API answers 5XX. */
  readonly serverErrorAlarm: cloudwatch.Alarm;
  readonly #role: iam.Role;
  readonly #props: ReleaseApiProps;

  constructor(scope: Construct, id: string, props: ReleaseApiProps) {
    super(scope, id);
    this.#props = props;
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      // The ApiName dimension of the API's metrics: unique per stack and region.
      restApiName: `${Stack.of(this).stackName}-release-api`,
      description: 'Cutover release API',
      // For engineers and CI in the region, signing with IAM: no CloudFront edge in front.
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Logging uses the region's account-wide API Gateway CloudWatch role, set once outside the stack.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        ...THROTTLING,
      },
    });
    this.serverErrorAlarm = new cloudwatch.Alarm(this, 'ServerErrorAlarm', {
      alarmDescription: 'Cutover release API: answered 5XX, a release or approval did not go through',
      metric: this.api.deploymentStage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    props.monitoring.alert(this.serverErrorAlarm);
    // The validator's message names the failing field: `[object has missing required properties (["service"])]`.
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        [JSON_TYPE]: '{"message": "$util.escapeJavaScript($context.error.validationErrorString)"}',
      },
    });
    this.#role = new iam.Role(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Cutover release API: start, describe and answer executions',
    });
    const validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    for (const machine of props.readableStateMachines ?? []) {
      machine.grantExecution(this.#role, 'states:DescribeExecution');
    }
    const releases = this.api.root.addResource('releases');
    const execution = releases.addResource('{executionId}');
    const methods: ApiMethod[] = [];
    for (const route of API_ROUTES) {
      if (route.operation === 'StartExecution') {
        for (const [strategy, machine] of props.stateMachines) {
          machine.grantStartExecution(this.#role);
          // StopExecution on the strategies' executions only: a rollback or an approval stays unstoppable here.
          machine.grantExecution(this.#role, 'states:DescribeExecution', 'states:StopExecution');
          const schema = props.requestSchemas[strategy];
          if (!schema) {
            throw new CutoverConfigError(
              `requestSchemas has no JSON Schema for strategy "${strategy}" (statemachines/${strategy}.asl.json); ` +
                `strategies with a schema: ${Object.keys(props.requestSchemas).join(', ') || 'none'}`,
            );
          }
          const model = this.#model(`${pascalCase(strategy)}Request`, schema);
          const method = releases
            .addResource(strategy)
            .addMethod(
              route.method,
              this.#startExecution(machine),
              this.#methodOptions(route, validator, model),
            );
          methods.push({
            operation: route.operation,
            httpMethod: method.httpMethod,
            path: method.resource.path,
          });
        }
        continue;
      }
      if (APPROVAL_OPERATIONS.has(route.operation) && !props.approvals) continue;
      const resource = route.path.endsWith('}')
        ? execution
        : execution.addResource(route.path.split('/').pop()!);
      const model =
        route.body && route.body !== 'strategy-request'
          ? this.#model(String(route.body.title ?? pascalCase(route.path.split('/').pop()!)), route.body)
          : undefined;
      const method = resource.addMethod(
        route.method,
        this.#integration(route.operation),
        this.#methodOptions(route, validator, model),
      );
      methods.push({ operation: route.operation, httpMethod: method.httpMethod, path: method.resource.path });
    }
    props.approvals?.grantStartSyncExecution(this.#role);
    restrictCallers(this.api, methods, props);
  }

  #model(name: string, schema: JsonSchema): apigw.Model {
    return this.api.addModel(name, {
      contentType: JSON_TYPE,
      modelName: name.replace(/[^A-Za-z0-9]/g, ''),
      schema: schema as apigw.JsonSchema,
    });
  }

  #methodOptions(
    route: ApiRoute,
    validator: apigw.RequestValidator,
    model?: apigw.Model,
  ): apigw.MethodOptions {
    return {
      requestValidator: validator,
      requestModels: model ? { [JSON_TYPE]: model } : undefined,
      requestParameters: route.path.includes('{executionId}')
        ? { 'method.request.path.executionId': true }
        : undefined,
      methodResponses: ['200', '400', '404', '500', '502'].map((statusCode) => ({ statusCode })),
    };
  }

  #integration(operation: ApiOperation): apigw.AwsIntegration {
    switch (operation) {
      case 'DescribeExecution': {
        const request = [this.#executionArn(), `{"executionArn": "${escaped('$executionArn')}"}`].join('\n');
        return this.#aws('DescribeExecution', request, [
          { statusCode: '200' },
          {
            statusCode: '400',
            selectionPattern: '4\\d{2}',
            responseTemplates: { [JSON_TYPE]: refusal(NOT_READABLE) },
          },
        ]);
      }
      case 'StopExecution':
        return this.#stopExecution();
      case 'DescribeApproval':
        return this.#answer('describe');
      case 'SendTaskSuccess':
      case 'SendTaskFailure':
        return this.#answer(operation === 'SendTaskSuccess' ? 'approve' : 'reject');
      case 'StartExecution':
        throw new CutoverConfigError('StartExecution routes are built per strategy');
    }
  }

  #startExecution(machine: sfn.IStateMachine): apigw.AwsIntegration {
    const request = [
      "#set($name = $input.params('name'))",
      '{',
      `  "stateMachineArn": "${machine.stateMachineArn}",`,
      // A `?name=` left empty (an unset `$NAME`) is sent as is: Step Functions refuses it, nothing starts.
      `  #if($input.params().querystring.containsKey('name'))"name": "${escaped('$name')}",#end`,
      `  "input": "${BODY_AS_STRING}"`,
      '}',
    ].join('\n');
    const response = [
      "#set($arn = $input.path('$.executionArn'))",
      "#set($at = $arn.indexOf(':execution:') + 11)",
      `{"executionId": "$arn.substring($at)", "executionArn": "$arn", "startDate": $input.path('$.startDate')}`,
    ].join('\n');
    // A name already taken is a conflict; throttling and the open-executions quota are worth a retry.
    const status = [
      "#set($type = $input.path('$.__type'))",
      "#if($type.contains('ExecutionAlreadyExists'))#set($context.responseOverride.status = 409)",
      "#elseif($type.contains('ThrottlingException') || $type.contains('ExecutionLimitExceeded'))#set($context.responseOverride.status = 429)#end",
    ].join('\n');
    return this.#aws('StartExecution', request, [
      { statusCode: '200', responseTemplates: { [JSON_TYPE]: response } },
      {
        statusCode: '400',
        selectionPattern: '4\\d{2}',
        responseTemplates: { [JSON_TYPE]: `${status}\n${ERROR_BODY}` },
      },
    ]);
  }

  /**
   * StopExecution with `Aborted` and the body's `reason` (a default when absent) as cause; the AbortRollbacks
   * rule then rolls the release back. The role may stop the strategies' executions only: any other is denied
   * (403), an unknown one is a 404.
   */
  #stopExecution(): apigw.AwsIntegration {
    const request = [
      this.#executionArn(),
      "#set($reason = $input.path('$.reason'))",
      `#if("$!reason" == "")#set($reason = "${API_ABORT_REASON}")#end`,
      `{"executionArn": "${escaped('$executionArn')}", "error": "${ABORT_ERROR}", "cause": "${escaped('$reason')}"}`,
    ].join('\n');
    const response = [
      "#set($executionId = $util.urlDecode($input.params('executionId')))",
      `{"executionId": "${escaped('$executionId')}", "stopDate": $input.path('$.stopDate')}`,
    ].join('\n');
    return this.#aws('StopExecution', request, [
      { statusCode: '200', responseTemplates: { [JSON_TYPE]: response } },
      {
        statusCode: '400',
        selectionPattern: '4\\d{2}',
        responseTemplates: { [JSON_TYPE]: refusal(NOT_A_RELEASE) },
      },
    ]);
  }

  /**
   * The approval machine's answer to `decision` (`describe` reads the pending approval: a GET, its body `{}`).
   * The caller's IAM identity (`$context.identity.userArn`) goes as `caller.approver`, which the machine
   * records in place of any `approver` of the body.
   */
  #answer(decision: 'approve' | 'reject' | 'describe'): apigw.AwsIntegration {
    const approvals = this.#props.approvals;
    if (!approvals) throw new CutoverConfigError('the approval routes need the approvals state machine');
    // The approval machine's input is a JSON string inside the request's JSON: its strings are escaped twice.
    const inner = (value: string) => escaped(escaped(value));
    const input = `{\\"decision\\": \\"${decision}\\", \\"executionId\\": \\"${inner('$executionId')}\\", \\"executionArn\\": \\"${inner('$executionArn')}\\", \\"caller\\": {\\"approver\\": \\"${inner('$context.identity.userArn')}\\"}, \\"body\\": ${decision === 'describe' ? '{}' : BODY_AS_STRING}}`;
    const request = [
      this.#executionArn(),
      `{"stateMachineArn": "${approvals.stateMachineArn}", "input": "${input}"}`,
    ].join('\n');
    const response = [
      "#if($input.path('$.status') == 'SUCCEEDED')",
      "$input.path('$.output')",
      '#else',
      `#if($input.path('$.error') == '${NO_PENDING_APPROVAL}')#set($context.responseOverride.status = 404)#else#set($context.responseOverride.status = 502)#end`,
      `{"message": "$util.escapeJavaScript($input.path('$.cause'))"}`,
      '#end',
    ].join('\n');
    return this.#aws('StartSyncExecution', request, [
      { statusCode: '200', responseTemplates: { [JSON_TYPE]: response } },
      { statusCode: '400', selectionPattern: '4\\d{2}', responseTemplates: { [JSON_TYPE]: ERROR_BODY } },
    ]);
  }

  /** VTL setting `$executionId` (the URL-decoded path parameter) and `$executionArn`, both unescaped. */
  #executionArn(): string {
    const stack = Stack.of(this);
    const prefix = `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:`;
    return [
      "#set($executionId = $util.urlDecode($input.params('executionId')))",
      `#set($executionArn = "${prefix}$executionId")`,
    ].join('\n');
  }

  #aws(
    action: string,
    requestTemplate: string,
    responses: apigw.IntegrationResponse[],
  ): apigw.AwsIntegration {
    return new apigw.AwsIntegration({
      service: 'states',
      action,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.#role,
        passthroughBehavior: apigw.PassthroughBehavior.NEVER,
        requestTemplates: { [JSON_TYPE]: requestTemplate },
        integrationResponses: [
          ...responses,
          { statusCode: '500', selectionPattern: '5\\d{2}', responseTemplates: { [JSON_TYPE]: ERROR_BODY } },
        ],
      },
    });
  }
}
