export type { ApprovalStore, PendingApproval } from './approval-store.ts';
export type { BackupObject, BackupStore } from './backup-store.ts';
export type { Cluster, RolloutCheck } from './cluster.ts';
export type { ExecutionOutcome, ExecutionReader } from './executions.ts';
export type { Lock, RollbackClaim } from './lock.ts';
export type { AlarmGate, MetricProvider } from './metric-provider.ts';
export type { Notifier } from './notifier.ts';
export type { TrafficRouter } from './traffic-router.ts';
