/** What an official-client call failed with: status, ARM error code and message. */
export interface SdkFailure {
  statusCode?: number;
  code?: string;
  message: string;
}

/** The error an SDK call failed with; fails the test if the call succeeded. */
export async function sdkFailure(p: Promise<unknown>): Promise<SdkFailure> {
  try {
    await p;
  } catch (err) {
    return err as SdkFailure;
  }
  throw new Error('expected the call to fail');
}
