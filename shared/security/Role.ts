import { ServiceError } from '../errors';

/** App roles, weakest first: each role may do everything the ones before it may. */
export const ROLES = ['Reader', 'Operator', 'Contributor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when one of `held` is `needed` or stronger. */
export function hasRole(held: readonly string[], needed: Role): boolean {
  const rank = ROLES.indexOf(needed);
  return held.some((r) => isRole(r) && ROLES.indexOf(r) >= rank);
}

/** Throws `Forbidden` naming the role needed when `held` falls short. */
export function requireRole(held: readonly string[], needed: Role, action: string): void {
  if (!hasRole(held, needed)) {
    const have = held.filter(isRole);
    throw new ServiceError('Forbidden',
      `'${action}' needs the app role '${needed}' (or stronger); the token has ${have.length ? have.join(', ') : 'no app role'}. ` +
      'Ask an administrator to assign the role.', { details: { requiredRole: needed, roles: have } });
  }
}
