/** The CNI spec versions the plugin speaks; it answers in the version a config asks for. */
export const supportedVersions = ['0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof supportedVersions)[number];

export const latestVersion: CniVersion = '1.1.0';

export const isSupportedVersion = (value: string): value is CniVersion =>
  (supportedVersions as readonly string[]).includes(value);

const order = (version: CniVersion) => supportedVersions.indexOf(version);

/** The first spec version that has each command (CHECK came with 0.4.0, GC and STATUS with 1.1.0). */
const introducedIn = {
  ADD: '0.3.1',
  DEL: '0.3.1',
  VERSION: '0.3.1',
  CHECK: '0.4.0',
  GC: '1.1.0',
  STATUS: '1.1.0',
} as const satisfies Record<string, CniVersion>;

export type CniCommand = keyof typeof introducedIn;
export const cniCommands = Object.keys(introducedIn) as CniCommand[];

export const isCommandInVersion = ({ command, version }: { command: CniCommand; version: CniVersion }) =>
  order(version) >= order(introducedIn[command]);

/** Results of 0.3.x and 0.4.0 carry `version` on each IP; from 1.0.0 they do not. */
export const hasIpVersionField = (version: CniVersion) => order(version) < order('1.0.0');
