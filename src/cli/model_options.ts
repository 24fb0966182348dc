// The loop's model export/import options from the settings (docs/model-import.md): the ModelSigning:* files read
// (the settings checked them at start), ModelImport:AllowUnsigned and ModelSizeLimit.
import { readFileSync } from 'node:fs';
import type { ModelImportOptions } from '../loop/index.js';
import { readCertificates, type Settings } from '../settings/index.js';

export function modelImportOptions(settings: Settings): ModelImportOptions {
  return {
    ...(settings.modelSigningCertificate !== undefined && settings.modelSigningKey !== undefined
      ? {
          signingIdentity: {
            certificate: pemOrBase64(readFileSync(settings.modelSigningCertificate)),
            key: readFileSync(settings.modelSigningKey, 'utf8'),
          },
        }
      : {}),
    ...(settings.modelSigningTrusted === undefined
      ? {}
      : { trusted: readCertificates('ModelSigning:TrustedCertificates', readFileSync(settings.modelSigningTrusted)) }),
    allowUnsigned: settings.modelImportAllowUnsigned,
    maxBytes: settings.modelSizeLimit,
  };
}

/** A PEM file as its text, a DER one as base64 (model_signing.ts identityFrom takes either). */
function pemOrBase64(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return text.includes('-----BEGIN') ? text : bytes.toString('base64');
}
