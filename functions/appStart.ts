import { app } from '@azure/functions';
import { developmentJwksFromEnv } from '../shared/arm';

/**
 * In local mode, create the development issuer's key pair as the app starts, so `asr` can sign
 * a token before the first API call. In Entra mode this does nothing.
 */
app.hook.appStart(async () => {
  try {
    await developmentJwksFromEnv();
  } catch (err) {
    console.warn(`development issuer not ready: ${(err as Error).message}`);
  }
});
