import { z } from 'zod';
import { PkiError } from './errors.js';

/** A subject's common name: printable, no commas or equals signs that could pass for more of the DN. */
export const ZCommonName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'must be letters, digits, spaces, ".", "_" or "-"');

export const ZIpAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

export const ZDnsName = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'must be a DNS name',
  );

export const ZValidityDays = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(3650, 'must be at most 3650');

/** A serial number in hexadecimal, positive, at most 20 bytes (RFC 5280). */
export const ZSerialNumber = z.string().regex(/^[0-9A-Fa-f]{2,40}$/, 'must be 1-20 bytes of hexadecimal');

export const ZPem = z.string().min(1, 'must not be empty');

export const ZSubject = z.object({
  commonName: ZCommonName,
  ipAddresses: z.array(ZIpAddress).default([]),
  dnsNames: z.array(ZDnsName).default([]),
});

export const ZCertificateUsage = z.enum(['server', 'client']);
export type CertificateUsage = z.infer<typeof ZCertificateUsage>;

/** Parses a function's input once, turning the first zod issue into a PkiError naming the field. */
export const parseInput = <Schema extends z.ZodType>({
  schema,
  input,
}: {
  schema: Schema;
  input: unknown;
}) => {
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.output<Schema>;
  const [issue] = result.error.issues;
  throw new PkiError({
    code: 'INVALID_INPUT',
    field: issue?.path.join('.') || undefined,
    reason: issue?.message ?? 'invalid',
  });
};
