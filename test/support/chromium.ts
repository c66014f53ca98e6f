import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for Debian's chromium under playwright-core on a machine without a display or network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's chromium for the browser tests, installed with apt-get when missing (idempotent;
 * downloaded packages are cached under ~/.cache/tracelog/apt). Returns its path.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const cache = join(homedir(), '.cache', 'tracelog', 'apt');
  mkdirSync(join(cache, 'partial'), { recursive: true });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 600_000, env });
    execFileSync(
      'apt-get',
      [
        'install',
        '-y',
        '-qq',
        '--no-install-recommends',
        '-o',
        `Dir::Cache::archives=${cache}`,
        'chromium',
      ],
      { stdio: 'ignore', timeout: 1_200_000, env },
    );
  } catch (error) {
    throw new Error(
      'chromium is needed for the browser tests and could not be installed with apt-get',
      {
        cause: error,
      },
    );
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`);
  return CHROMIUM;
}
