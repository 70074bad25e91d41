import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isTokenValid, parseTokenFile, readBearerToken } from './auth.js';

describe('isTokenValid', () => {
  it('accepts the exact token', () => {
    expect(isTokenValid({ expected: 's3cret-token', presented: 's3cret-token' })).toBe(true);
  });

  it.each([
    ['a wrong token of the same length', 's3cret-tokem'],
    ['a prefix of the token', 's3cret'],
    ['a longer token', 's3cret-token-and-more'],
    ['an empty token', ''],
    ['the token in another case', 'S3CRET-TOKEN'],
  ])('refuses %s', (_, presented) => {
    expect(isTokenValid({ expected: 's3cret-token', presented })).toBe(false);
  });

  it('refuses a missing token', () => {
    expect(isTokenValid({ expected: 's3cret-token', presented: undefined })).toBe(false);
  });
});

describe('readBearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
  ])('reads %j', (header, token) => {
    expect(readBearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'abc'])('finds no token in %j', (header) => {
    expect(readBearerToken(header)).toBeUndefined();
  });

  it('reads the first of repeated headers', () => {
    expect(readBearerToken(['Bearer first', 'Bearer second'])).toBe('first');
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', 'localhost'])('%s is loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '198.51.100.11', '10.0.0.1', '128.0.0.1'])('%s is not loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });
});

describe('parseTokenFile', () => {
  it('drops the final newline and surrounding spaces', () => {
    expect(parseTokenFile('  abc123\n')).toBe('abc123');
  });
});
