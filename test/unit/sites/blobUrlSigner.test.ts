import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { accountKeySigner, signerFor, siteSettingsFromEnv, userDelegationSigner } from '../../../shared/sites';

const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

describe('upload URL signing', () => {
  it('account key: a SAS for exactly one blob with the permission asked, nothing more', async () => {
    const blobs = new BlobServiceClient(`http://127.0.0.1:10000/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY));
    const url = new URL(await accountKeySigner(blobs).sign('hrl', 'v/vm/disk0/00000000000000000001.hrl', 'c', new Date(Date.now() + 600_000)));
    expect(url.pathname).toBe(`/${ACCOUNT}/hrl/v/vm/disk0/00000000000000000001.hrl`);
    expect(url.searchParams.get('sp')).toBe('c');
    expect(url.searchParams.get('sr')).toBe('b');
    expect(url.searchParams.get('sig')).toBeTruthy();
  });

  it('user delegation: signed with a delegation key fetched once and reused, never outliving it', async () => {
    let fetched = 0;
    const keyExpires = new Date(Date.now() + 4 * 3600_000);
    const fake = {
      accountName: 'acct',
      url: 'https://acct.blob.core.windows.net/',
      async getUserDelegationKey(startsOn: Date, expiresOn: Date) {
        fetched++;
        return { signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: startsOn, signedExpiresOn: expiresOn, signedService: 'b', signedVersion: '2020-02-10', value: Buffer.alloc(32, 1).toString('base64') };
      },
      getContainerClient: (c: string) => ({ getBlobClient: (b: string) => ({ url: `https://acct.blob.core.windows.net/${c}/${b}` }) }),
    } as unknown as BlobServiceClient;
    const signer = userDelegationSigner(fake);
    const a = new URL(await signer.sign('hrl', 'v/vm/disk0/1.hrl', 'c', new Date(Date.now() + 600_000)));
    await signer.sign('hrl', 'v/vm/disk0/2.hrl', 'c', new Date(Date.now() + 600_000));
    expect(fetched).toBe(1);
    expect(a.searchParams.get('skoid')).toBe('oid');
    expect(a.searchParams.get('sp')).toBe('c');
    expect(new Date(a.searchParams.get('se')!).getTime()).toBeLessThanOrEqual(keyExpires.getTime());
  });

  it('the configuration chooses: account key when the connection string has one, else user delegation; bad values are refused', () => {
    const withKey = new BlobServiceClient(`http://127.0.0.1:10000/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, KEY));
    expect(siteSettingsFromEnv({})).toEqual({ registrationKeyMinutes: 60, uploadUrlMinutes: 10, uploadWindow: 256 });
    expect(signerFor(withKey, siteSettingsFromEnv({}), true)).toBeDefined();
    expect(() => siteSettingsFromEnv({ ASR_SITE_SAS_SIGNING: 'sharedKey' })).toThrow(/accountKey or userDelegation/);
    expect(() => siteSettingsFromEnv({ ASR_SITE_UPLOAD_URL_MINUTES: '0' })).toThrow(/ASR_SITE_UPLOAD_URL_MINUTES/);
  });
});
