/**
 * The subscription the CLI, the demo and `npm start` use unless told otherwise. The API serves it
 * in local auth mode when `ASR_SUBSCRIPTIONS` is unset (shared/arm/servedSubscriptions.ts).
 */
export const LOCAL_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
