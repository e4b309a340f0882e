import { formatDuration } from '../../shared/protection/formatDuration';

/** A health error as the API answers it (ASR's `HealthError`, plus the item's name in a plan's roll-up). */
interface ShownHealthError {
  errorCode: string;
  errorLevel: string;
  errorMessage: string;
  recommendedAction?: string;
  entityId?: string;
  protectedItemName?: string;
}

/** An RPO in seconds as an operator reads it, `-` when there is none yet. */
export function describeRpo(rpoInSeconds: number | undefined): string {
  return rpoInSeconds === undefined ? '-' : formatDuration(rpoInSeconds);
}

/** Health errors, each with what to do about it; empty when there are none. */
export function describeHealthErrors(errors: ShownHealthError[] | undefined, indent = '  '): string[] {
  if (!errors?.length) return [];
  return [`${indent}health errors:`, ...errors.flatMap((e) => {
    // In a plan's roll-up an item-wide error names the item twice (item and entity): once is enough.
    const about = [...new Set([e.protectedItemName, e.entityId].filter((x): x is string => !!x))].join('/');
    return [
      `${indent}  ${e.errorLevel} ${e.errorCode}${about ? ` (${about})` : ''}: ${e.errorMessage}`,
      ...(e.recommendedAction ? [`${indent}    recommended action: ${e.recommendedAction}`] : []),
    ];
  })];
}
