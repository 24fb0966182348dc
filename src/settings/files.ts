// Settings that name PEM files: `Tls:Certificate`/`Tls:Key` (the server speaks HTTPS on its port, docs/tls.md) and
// `ModelSigning:*` (the identity that signs exported models and the certificates whose signed models PUT /model
// accepts, docs/model-import.md), plus `ModelSizeLimit`, the largest model body PUT /model takes. Only the paths
// are kept in the settings (they are logged at start); the files are read and checked here so that a setting
// that cannot work stops the start, and read again by whoever uses them. Key material is never logged.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SettingsError } from './sources.js';

export const FILE_NAMES = [
  'Tls:Certificate',
  'Tls:Key',
  'ModelSigning:Certificate',
  'ModelSigning:Key',
  'ModelSigning:TrustedCertificates',
  'ModelImport:AllowUnsigned',
  'ModelSizeLimit',
] as const;

type Name = (typeof FILE_NAMES)[number];

export interface FileSettings {
  /** PEM certificate chain and private key: both or neither; with both the server speaks HTTPS. */
  tlsCertificate?: string;
  tlsKey?: string;
  /** The model-signing identity; without it one is generated once per store and kept in the store. */
  modelSigningCertificate?: string;
  modelSigningKey?: string;
  /** A PEM file of one or more certificates whose signed models PUT /model accepts besides the server's own. */
  modelSigningTrusted?: string;
  /** PUT /model takes a plain VW model file (no signature). */
  modelImportAllowUnsigned: boolean;
  /** Largest PUT /model body (and largest model file inside a signed archive), in bytes. */
  modelSizeLimit: number;
}

/**
 * 64 MiB: a -b 18 model (Azure's default) is at most 4 MiB (2^18 weights × 16 bytes in its densest save-resume
 * form), a -b 22 one 64 MiB. The body is held in memory while it is checked, so the limit bounds that too.
 */
export const DEFAULT_MODEL_SIZE_LIMIT = 64 * 1024 * 1024;
const MAX_MODEL_SIZE_LIMIT = 1024 * 1024 * 1024;

function readFile(name: Name, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new SettingsError(name, `${name}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Every certificate of a PEM file (or the one of a DER file); SettingsError when there is none or one is bad. */
export function readCertificates(name: string, bytes: Buffer): X509Certificate[] {
  const text = bytes.toString('latin1');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  try {
    if (blocks === null) return [new X509Certificate(bytes)];
    return blocks.map((b) => new X509Certificate(b));
  } catch (e) {
    throw new SettingsError(name, `${name}: not a PEM or DER X.509 certificate (${(e as Error).message})`);
  }
}

function checkKey(name: Name, bytes: Buffer): void {
  try {
    createPrivateKey(bytes);
  } catch {
    // The parser's message may quote the file; say only what is wrong.
    throw new SettingsError(name, `${name}: not a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)`);
  }
}

/** Both of a pair, or neither; the key must be the certificate's. */
function pair(get: (name: Name) => string | undefined, certName: Name, keyName: Name): { cert?: string; key?: string } {
  const cert = get(certName);
  const key = get(keyName);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? certName : keyName;
    throw new SettingsError(missing, `${certName} and ${keyName} go together: give both (PEM files) or neither`);
  }
  if (cert === undefined || key === undefined) return {};
  const certificates = readCertificates(certName, readFile(certName, cert));
  const keyBytes = readFile(keyName, key);
  checkKey(keyName, keyBytes);
  if (!certificates[0]!.checkPrivateKey(createPrivateKey(keyBytes))) {
    throw new SettingsError(keyName, `${keyName}: the key in ${key} is not the key of the certificate in ${cert}`);
  }
  return { cert, key };
}

export function parseFileSettings(get: (name: Name) => string | undefined): FileSettings {
  const tls = pair(get, 'Tls:Certificate', 'Tls:Key');
  const signing = pair(get, 'ModelSigning:Certificate', 'ModelSigning:Key');
  const trusted = get('ModelSigning:TrustedCertificates');
  if (trusted !== undefined) readCertificates('ModelSigning:TrustedCertificates', readFile('ModelSigning:TrustedCertificates', trusted));
  const unsigned = get('ModelImport:AllowUnsigned')?.toLowerCase();
  if (unsigned !== undefined && unsigned !== 'true' && unsigned !== 'false') {
    throw new SettingsError('ModelImport:AllowUnsigned', 'ModelImport:AllowUnsigned must be true or false');
  }
  const limitText = get('ModelSizeLimit');
  let modelSizeLimit = DEFAULT_MODEL_SIZE_LIMIT;
  if (limitText !== undefined) {
    modelSizeLimit = Number(limitText);
    if (!/^\d+$/.test(limitText) || modelSizeLimit < 1024 || modelSizeLimit > MAX_MODEL_SIZE_LIMIT) {
      throw new SettingsError('ModelSizeLimit', `ModelSizeLimit must be an integer number of bytes between 1024 and ${MAX_MODEL_SIZE_LIMIT}`);
    }
  }
  return {
    ...(tls.cert === undefined ? {} : { tlsCertificate: tls.cert, tlsKey: tls.key! }),
    ...(signing.cert === undefined ? {} : { modelSigningCertificate: signing.cert, modelSigningKey: signing.key! }),
    ...(trusted === undefined ? {} : { modelSigningTrusted: trusted }),
    modelImportAllowUnsigned: unsigned !== 'false',
    modelSizeLimit,
  };
}
