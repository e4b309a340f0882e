// Sign-in with Entra ID: MSAL for single-page apps, authorization code flow with PKCE (MSAL makes
// the verifier and challenge). MSAL is one file served by this host (/console/msal-browser.js,
// from the pinned @azure/msal-browser package), loaded only when the host is configured for
// Entra, so the local page stays small. Its tokens and PKCE state live in sessionStorage.
import type * as Msal from '@azure/msal-browser';

declare global {
  interface Window { msal?: typeof Msal }
}

export interface EntraSettings { clientId: string; authority: string; scope: string; protocolMode: 'AAD' | 'OIDC' }

function loadMsal(): Promise<typeof Msal> {
  if (window.msal) return Promise.resolve(window.msal);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/console/msal-browser.js';
    script.addEventListener('load', () => (window.msal ? resolve(window.msal) : reject(new Error('MSAL did not load'))));
    script.addEventListener('error', () => reject(new Error('could not load /console/msal-browser.js')));
    document.head.append(script);
  });
}

export class EntraSignIn {
  private constructor(
    private readonly msal: typeof Msal,
    private readonly app: Msal.PublicClientApplication,
    private readonly settings: EntraSettings,
    private account: Msal.AccountInfo | undefined,
  ) {}

  /** Opens MSAL and finishes a sign-in coming back from the authority (the code is redeemed with the PKCE verifier). */
  static async open(settings: EntraSettings): Promise<EntraSignIn> {
    const msal = await loadMsal();
    const home = `${location.origin}/console`;
    const app = new msal.PublicClientApplication({
      auth: {
        clientId: settings.clientId, authority: settings.authority, redirectUri: home, postLogoutRedirectUri: home, navigateToLoginRequestUrl: false,
        // Another OpenID Connect authority: its own metadata, and no Entra instance discovery (its host is the one trusted).
        ...(settings.protocolMode === 'OIDC' ? { protocolMode: msal.ProtocolMode.OIDC, knownAuthorities: [new URL(settings.authority).host] } : {}),
      },
      cache: { cacheLocation: 'sessionStorage' },
    });
    await app.initialize();
    const result = await app.handleRedirectPromise();
    const account = result?.account ?? app.getAllAccounts()[0];
    if (account) app.setActiveAccount(account);
    return new EntraSignIn(msal, app, settings, account ?? undefined);
  }

  get signedIn(): boolean { return this.account !== undefined; }

  /** An access token for the API's scope: from MSAL's cache, renewed silently; a new sign-in (redirect) when the authority asks for one. */
  async accessToken(): Promise<string | undefined> {
    if (!this.account) return undefined;
    const request = { scopes: [this.settings.scope], account: this.account };
    try {
      return (await this.app.acquireTokenSilent(request)).accessToken;
    } catch (err) {
      if (err instanceof this.msal.InteractionRequiredAuthError) await this.app.acquireTokenRedirect(request);
      throw err;
    }
  }

  /** Goes to the authority's sign-in page (the page comes back to /console with the code). */
  signIn(): Promise<void> { return this.app.loginRedirect({ scopes: [this.settings.scope] }); }

  /** Forgets the account and its tokens in this tab without going to the authority (the API refused the token). */
  async forget(): Promise<void> {
    const account = this.account;
    this.account = undefined;
    await this.app.clearCache({ account });
  }

  signOut(): Promise<void> {
    const account = this.account;
    this.account = undefined;
    return this.app.logoutRedirect({ account });
  }
}
