/**
 * One operation sent to a Durable entity (the library's RequestMessage), carried as the JSON
 * `Input` of an EventRaised control message to the entity's instance `@name@key`.
 */
export interface EntityRequest {
  /** Request id: the caller's response arrives as an EventRaised named after it. */
  id: string;
  op: string;
  signal: boolean;
  /** JSON text of the operation input, or undefined. */
  input?: string;
  /** The calling orchestration (absent for signals from clients). */
  parent?: string;
}

/** `@name@key` as the library spells an entity's instance id (name lower-cased). */
export function entityInstanceId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

export function isEntityInstanceId(instanceId: string): boolean {
  return instanceId.startsWith('@') && instanceId.indexOf('@', 1) > 1;
}

export function parseEntityInstanceId(instanceId: string): { name: string; key: string } {
  const at = instanceId.indexOf('@', 1);
  return { name: instanceId.slice(1, at), key: instanceId.slice(at + 1) };
}
