import type { DeploymentRequest } from './schemas/index.ts';

/**
 * How requests reach a blue-green release's new colour `track` before the switch, while it has no weight:
 * locally, only those naming it (`cutover traffic --track`, with `dataDirFlag`, or the `x-cutover-track`
 * header); elsewhere, test traffic of its own through its Service.
 *
 * @example
 * previewTrafficText(request, 'green'); // 'before the switch green has no weight, so only requests naming it reach it (...)'
 */
export function previewTrafficText(
  request: Pick<DeploymentRequest, 'service' | 'metrics'>,
  track: string,
  dataDirFlag = '',
): string {
  const { namespace, name } = request.service;
  return request.metrics.type === 'local'
    ? `before the switch ${track} has no weight, so only requests naming it reach it (\`cutover traffic ${namespace}/${name} --track ${track}${dataDirFlag}\`, or the header \`x-cutover-track: ${track}\`)`
    : `before the switch ${track} has no weight: send it test traffic of its own (its Service ${name}-${track}, as a preview service)`;
}
