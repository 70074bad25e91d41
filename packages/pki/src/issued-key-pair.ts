import { createKeyAndCertificateRequest } from './certificate-request.js';
import { type SignCertificateRequestInput, signCertificateRequest } from './sign-certificate-request.js';

/**
 * A key and its certificate from the CA in one step, for a party whose key is made where the CA is (the
 * control plane's own client and serving certificates; tests). An agent's key is made on its node instead.
 */
export const createIssuedKeyPair = async (input: Omit<SignCertificateRequestInput, 'csrPem'>) => {
  const { privateKeyPem, csrPem } = await createKeyAndCertificateRequest({
    commonName: input.commonName,
    ipAddresses: input.ipAddresses ?? [],
    dnsNames: input.dnsNames ?? [],
  });
  return { privateKeyPem, ...(await signCertificateRequest({ ...input, csrPem })) };
};
