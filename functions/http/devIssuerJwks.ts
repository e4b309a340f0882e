import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { developmentJwksFromEnv } from '../../shared/arm';

/** The development issuer's public keys, served only when `ASR_AUTH_MODE=local` (404 otherwise). */
export async function devIssuerJwksHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const jwks = await developmentJwksFromEnv();
    if (!jwks) return { status: 404, jsonBody: { error: { code: 'NotFound', message: 'there is no development issuer outside local mode' } } };
    return { status: 200, jsonBody: jwks };
  } catch (err) {
    context.error('cannot read the development issuer', err);
    return { status: 500, jsonBody: { error: { code: 'InternalError', message: 'the development issuer is not readable' } } };
  }
}

app.http('devIssuerJwks', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'dev-issuer/jwks',
  handler: devIssuerJwksHandler,
});
