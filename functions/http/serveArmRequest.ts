import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { armApiFromEnv, readBodyText, toArmErrorResponse, type ArmRequest, type ArmResponse } from '../../shared/arm';
import { durableControl } from '../durable/durableControl';

/** Turns the API's plain answer into the Functions response. */
function toHttpResponse(out: ArmResponse): HttpResponseInit {
  if (out.raw !== undefined) return { status: out.status, headers: out.headers, body: out.raw };
  return out.body === undefined
    ? { status: out.status, headers: out.headers }
    : { status: out.status, headers: { ...out.headers, 'content-type': 'application/json' }, body: JSON.stringify(out.body) };
}

/** Method, absolute URL, lower-case headers and the body text, read up to the API's size limit (413 past it). */
async function toArmRequest(request: HttpRequest): Promise<ArmRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => { headers[key.toLowerCase()] = value; });
  const bodyText = request.method === 'GET' || request.method === 'DELETE' ? undefined : await readBodyText(request.body, headers['content-length']);
  return { method: request.method, url: request.url, headers, bodyText };
}

/**
 * The one HTTP adapter of `ArmApi`: every function that serves ARM paths copies the request in
 * and the answer out through here, so the body limit and the error catalogue apply to all. The
 * API comes from its one composition root (`armApiFromEnv`); a registration with a Durable
 * client input passes it to get the Recovery routes too ({@link recoveryHttpHandler}).
 */
export async function serveArmRequest(request: HttpRequest, context: InvocationContext, withOrchestrations = false): Promise<HttpResponseInit> {
  let armRequest: ArmRequest;
  try {
    armRequest = await toArmRequest(request);
  } catch (err) {
    return toHttpResponse(toArmErrorResponse(err));
  }
  try {
    return toHttpResponse(await (await armApiFromEnv(process.env, withOrchestrations ? durableControl(context) : undefined)).handle(armRequest));
  } catch (err) {
    context.error('the API could not start (metadata store, token verifier or settings)', err);
    return toHttpResponse(toArmErrorResponse(err));
  }
}

/**
 * The Recovery routes (plan and item operations, operation results, jobs), with this
 * invocation's Durable client. Registered on routes more specific than the catch-all `armApi`,
 * so the host sends these paths here.
 */
export async function recoveryHttpHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return serveArmRequest(request, context, true);
}
