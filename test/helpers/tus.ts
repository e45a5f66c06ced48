import { DefaultHttpStack, Upload } from 'tus-js-client';

/**
 * A tus-js-client upload as a promise. `stopAfter` aborts it once that many bytes were accepted
 * (resolving with `stopped: true` and the upload URL to resume from); `ca` trusts a test
 * certificate for https endpoints.
 */
export function tusUpload(
  endpoint: string,
  token: string,
  data: Buffer,
  opts: { filename: string; uploadUrl?: string; stopAfter?: number; chunkSize?: number; ca?: string; onChunk?: (accepted: number) => void },
): Promise<{ url: string; stopped: boolean }> {
  return new Promise((resolve, reject) => {
    const up: Upload = new Upload(data, {
      endpoint,
      uploadUrl: opts.uploadUrl,
      chunkSize: opts.chunkSize ?? 256 * 1024,
      retryDelays: [],
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: opts.filename },
      ...(opts.ca ? { httpStack: new DefaultHttpStack({ ca: opts.ca }) } : {}),
      onChunkComplete: (_size, accepted) => {
        opts.onChunk?.(accepted);
        if (opts.stopAfter !== undefined && accepted >= opts.stopAfter) {
          void up.abort().then(() => resolve({ url: up.url as string, stopped: true }));
        }
      },
      onSuccess: () => resolve({ url: up.url as string, stopped: false }),
      onError: reject,
    });
    up.start();
  });
}
