import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach } from 'vitest';

/** Debian's chromium: the test never downloads a browser. */
export const chromiumPath = '/usr/bin/chromium';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A headless chromium with a fresh profile (its own --user-data-dir, removed by `close()` even when closing
 * fails, and at once when chromium does not start), so nothing carries over between runs and nothing is
 * fetched from outside.
 */
export const launchBrowser = async () => {
  const userDataDir = await mkdtemp(join(tmpdir(), 'kudo-e2e-chromium-'));
  const removeProfile = () => rm(userDataDir, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1440, height: 960 },
    });
  } catch (error) {
    await removeProfile();
    throw error;
  }
  return {
    context,
    close: async () => {
      try {
        await context.close();
      } finally {
        await removeProfile();
      }
    },
  };
};

/**
 * Saves a screenshot as `artifacts/screenshots/NAME.png` (the CI artefact folder): the whole page, or
 * only the window (for an open dialog, which covers the window, not the page).
 */
export const saveScreenshot = async ({
  page,
  root,
  name,
  isFullPage = true,
}: {
  page: Page;
  root: string;
  name: string;
  isFullPage?: boolean;
}) => {
  const directory = join(root, 'artifacts', 'screenshots');
  await mkdir(directory, { recursive: true });
  await page.screenshot({ path: join(directory, `${name}.png`), fullPage: isFullPage });
};

/**
 * For a test file: after each test that failed, a screenshot of what the browser showed (`getPage()`, when
 * there is a page yet) as `artifacts/screenshots/PREFIX<test name>.png`, next to the others.
 */
export const saveScreenshotsOfFailures = ({
  root,
  prefix,
  getPage,
}: {
  root: string;
  prefix: string;
  getPage: () => Page | undefined;
}) =>
  afterEach(async ({ task }) => {
    const page = getPage();
    if (task.result?.state === 'fail' && page)
      await saveScreenshot({
        page,
        root,
        name: `${prefix}${task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`,
      });
  });

/** Signs in through the form, as a person would. */
export const signInThroughForm = async ({
  page,
  baseUrl,
  name,
  password,
}: {
  page: Page;
  baseUrl: string;
  name: string;
  password: string;
}) => {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('User').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-name').waitFor();
};

/**
 * Every Content-Security-Policy violation (and uncaught page error) on any page of `context` from now on:
 * the browser reports a violation as a `securitypolicyviolation` event, which an init script (run by the
 * browser's debugger protocol, not under the page's policy) writes to the console, where it is collected
 * with the browser's own "Refused to ..." messages.
 */
export const collectSecurityViolations = async ({ context }: { context: BrowserContext }) => {
  const violations: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  context.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /securitypolicyviolation|Content Security Policy/i.test(text))
      violations.push(`${message.page()?.url() ?? ''}: ${text}`);
  });
  context.on('weberror', (error) =>
    violations.push(`${error.page()?.url() ?? ''}: ${error.error().message}`),
  );
  return { list: () => [...violations] };
};
