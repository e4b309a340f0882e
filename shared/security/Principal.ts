/** Who is calling, as the verified token says. */
export interface Principal {
  /** `oid` (Entra object id) or `sub`. */
  subject: string;
  /** App roles from the `roles` claim. */
  roles: string[];
  /** A display name if the token has one (`name`, `preferred_username`, `appid`). */
  name?: string;
}
