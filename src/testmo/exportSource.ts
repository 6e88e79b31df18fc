/**
 * Opens a Testmo export as a byte stream: the S3 object TestPlanIt's upload route wrote
 * (`uploads/imports/testmo/<uuid>-<name>` in AWS_BUCKET_NAME, or the job's own bucket), or, for
 * operators, a file under TESTMO_IMPORT_LOCAL_DIR named by a `file:<name>` storage key. A file
 * outside that directory is refused: a job row must never make the worker read its own disk.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { ObjectStorageSettings } from '../config';

export interface ExportSource {
  body: Readable;
  /** Bytes, when the store says; progress is a share of it. */
  size?: number;
  /** Where it came from, for log lines and messages. */
  location: string;
}

/** The export cannot be opened, and asking again will not change that. */
export class ExportUnavailableError extends Error {
  override readonly name = 'ExportUnavailableError';
}

export interface ExportLocation {
  storageKey: string;
  storageBucket?: string | null;
}

const LOCAL_PREFIX = 'file:';

export class ExportStore {
  private client?: S3Client;

  constructor(
    private readonly storage: ObjectStorageSettings,
    private readonly localDir?: string,
  ) {}

  async open(location: ExportLocation): Promise<ExportSource> {
    return location.storageKey.startsWith(LOCAL_PREFIX)
      ? this.openLocal(location.storageKey.slice(LOCAL_PREFIX.length))
      : this.openObject(location);
  }

  close(): void {
    this.client?.destroy();
  }

  private async openLocal(name: string): Promise<ExportSource> {
    if (!this.localDir)
      throw new ExportUnavailableError(
        `Local import files are disabled (TESTMO_IMPORT_LOCAL_DIR is not set); cannot read "${name}"`,
      );
    const path = resolve(this.localDir, name);
    const inside = relative(resolve(this.localDir), path);
    if (inside.startsWith('..') || isAbsolute(inside))
      throw new ExportUnavailableError(`"${name}" is outside TESTMO_IMPORT_LOCAL_DIR`);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ExportUnavailableError(`Export file ${path} does not exist`);
    return { body: createReadStream(path), size: info.size, location: path };
  }

  private async openObject({ storageKey, storageBucket }: ExportLocation): Promise<ExportSource> {
    const bucket = storageBucket || this.storage.bucket;
    if (!bucket) throw new ExportUnavailableError('No bucket: the job names none and AWS_BUCKET_NAME is not set');
    const location = `s3://${bucket}/${storageKey}`;
    try {
      const object = await this.s3().send(new GetObjectCommand({ Bucket: bucket, Key: storageKey }));
      return { body: object.Body as Readable, size: object.ContentLength, location };
    } catch (error) {
      if (
        error instanceof S3ServiceException &&
        ['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'NotFound'].includes(error.name)
      ) {
        throw new ExportUnavailableError(`Export ${location} cannot be read: ${error.name}`);
      }
      throw error;
    }
  }

  private s3(): S3Client {
    this.client ??= new S3Client({
      region: this.storage.region,
      endpoint: this.storage.endpoint,
      forcePathStyle: Boolean(this.storage.endpoint),
      credentials:
        this.storage.accessKeyId && this.storage.secretAccessKey
          ? { accessKeyId: this.storage.accessKeyId, secretAccessKey: this.storage.secretAccessKey }
          : undefined,
    });
    return this.client;
  }
}
