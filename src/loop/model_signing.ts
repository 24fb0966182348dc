// Signed model archives (GET /model?signed=true, PUT /model; Personalizer.json v1.1-preview.3 Model_Get, Model_Import,
// docs/model-import.md). The archive is a zip of three entries, named as Azure named them: `model.vw` (the VW model
// file), `signer.der` (the signer's X.509 certificate, DER) and `sha512_signature.bin` (the signature of model.vw's
// bytes: SHA-512, RSASSA-PKCS1-v1_5 for an RSA key, ECDSA for an EC one, as node:crypto's sign/verify compute them).
// Azure never published how it signed, so an Azure archive is accepted only when its certificate is trusted by
// setting; the scheme above is what the file names say.
//
// The zip is fflate's: a dependency-free, in-memory zip reader and writer (the body is in memory already), whose
// reader reports each entry's declared size before inflating it, so that a zip bomb is refused before it expands.
import { createPrivateKey, createPublicKey, sign, verify, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { unzipSync, zipSync, type Unzipped } from 'fflate';
import type * as X509 from '@peculiar/x509';
import { LoopError } from './types.js';

export const MODEL_ENTRY = 'model.vw';
export const CERTIFICATE_ENTRY = 'signer.der';
export const SIGNATURE_ENTRY = 'sha512_signature.bin';

/** The key that signs and the certificate shipped with the signature. */
export interface SigningIdentity {
  key: KeyObject;
  certificate: X509Certificate;
}

/** As stored (in the store's settings, or read from the ModelSigning:* files). */
export interface StoredIdentity {
  /** PKCS#8 PEM. */
  key: string;
  /** PEM or base64 DER. */
  certificate: string;
}

export function identityFrom(stored: StoredIdentity): SigningIdentity {
  const certificate = new X509Certificate(stored.certificate.includes('-----BEGIN') ? stored.certificate : Buffer.from(stored.certificate, 'base64'));
  const key = createPrivateKey(stored.key);
  if (!certificate.checkPrivateKey(key)) throw new Error('the model-signing key is not the key of its certificate');
  return { key, certificate };
}

/** A fresh RSA-2048 key and a self-signed certificate (ten years) for it: a store's own signing identity. */
export async function generateIdentity(now: number): Promise<StoredIdentity> {
  // @peculiar/x509 builds the certificate (node:crypto parses and verifies X.509 but cannot issue it). It needs the
  // Reflect metadata API, which reflect-metadata adds; both are loaded only when a store first needs an identity.
  await import('reflect-metadata');
  const x509: typeof X509 = await import('@peculiar/x509');
  const crypto = webcrypto;
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0]! &= 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: 'CN=personalizer model signing',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * 365 * 86_400_000),
      signingAlgorithm: algorithm,
      keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.BasicConstraintsExtension(false, undefined, true)],
    },
    crypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string,
    certificate: Buffer.from(certificate.rawData).toString('base64'),
  };
}

/** The signed archive of a model. */
export function signedArchive(model: Uint8Array, identity: SigningIdentity): Uint8Array {
  const signature = sign('sha512', model, identity.key);
  // level 0: a model is mostly float weights, which deflate barely shrinks; storing keeps the export fast. The
  // entries' time is fixed, so that one model always gives the same archive.
  const mtime = new Date('2020-01-01T00:00:00Z');
  return zipSync(
    {
      [MODEL_ENTRY]: [model, { level: 0, mtime }],
      [CERTIFICATE_ENTRY]: [new Uint8Array(identity.certificate.raw), { level: 0, mtime }],
      [SIGNATURE_ENTRY]: [new Uint8Array(signature), { level: 0, mtime }],
    },
  );
}

/** A zip's local file header signature ("PK\3\4"), which every zip starts with. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export interface ArchiveParts {
  model: Uint8Array;
  certificate: Uint8Array;
  signature: Uint8Array;
}

const FORMAT = 'InvalidModelImportFormat';
const SIGNATURE = 'InvalidModelImportSignature';

/**
 * The three entries of a signed archive. Not a zip, a damaged one, a missing entry or an entry larger than
 * `maxBytes` → InvalidModelImportFormat. Other entries are ignored without being inflated.
 */
export function openArchive(bytes: Uint8Array, maxBytes: number): ArchiveParts {
  const wanted = new Set([MODEL_ENTRY, CERTIFICATE_ENTRY, SIGNATURE_ENTRY]);
  let tooLarge: string | undefined;
  let files: Unzipped;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!wanted.has(f.name)) return false;
        if (f.originalSize > maxBytes) {
          tooLarge = f.name;
          return false;
        }
        return true;
      },
    });
  } catch (e) {
    throw new LoopError(FORMAT, `Input is not a valid zip file (${(e as Error).message}).`);
  }
  if (tooLarge !== undefined) throw new LoopError(FORMAT, `${tooLarge}: larger than the limit of ${maxBytes} bytes once unzipped.`, 413);
  const missing = [...wanted].filter((n) => files[n] === undefined);
  if (missing.length > 0) {
    throw new LoopError(FORMAT, `The archive lacks ${missing.join(', ')}: a signed model archive holds ${MODEL_ENTRY}, ${CERTIFICATE_ENTRY} and ${SIGNATURE_ENTRY}.`);
  }
  return { model: files[MODEL_ENTRY]!, certificate: files[CERTIFICATE_ENTRY]!, signature: files[SIGNATURE_ENTRY]! };
}

/**
 * Checks the archive's signature with the certificate it carries, and that certificate against the trusted ones:
 * it must be one of them, or be issued and signed by one of them. Anything else → InvalidModelImportSignature.
 * Validity dates are not checked: an archive exported years ago still holds the model it held.
 */
export function verifyArchive(parts: ArchiveParts, trusted: readonly X509Certificate[]): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(parts.certificate);
  } catch (e) {
    throw new LoopError(SIGNATURE, `${CERTIFICATE_ENTRY} is not an X.509 certificate (${(e as Error).message}).`);
  }
  let valid = false;
  try {
    valid = verify('sha512', parts.model, createPublicKey(certificate.publicKey.export({ type: 'spki', format: 'pem' })), parts.signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new LoopError(SIGNATURE, `${SIGNATURE_ENTRY} is not a valid signature of ${MODEL_ENTRY} by the certificate in ${CERTIFICATE_ENTRY} (the model or the signature was changed).`);
  }
  const raw = certificate.raw;
  const ok = trusted.some((t) => t.raw.equals(raw) || (certificate.checkIssued(t) && certificate.verify(t.publicKey)));
  if (!ok) {
    throw new LoopError(
      SIGNATURE,
      `The model was signed by '${certificate.subject.replace(/\n/g, ', ')}', which this server does not trust: only its own ` +
        'certificate and those of ModelSigning:TrustedCertificates are.',
    );
  }
}
