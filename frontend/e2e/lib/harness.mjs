// A tiny harness for the browser journeys that api/e2e runs against the real
// server: one fresh Chromium profile per journey, every request checked to
// stay on the server's origin, console and page errors collected, and named
// screenshots at desktop and phone width. Every screenshot is also an
// accessibility check (axe-core: no serious or critical violation) and a
// check that no toast covers a control, at both widths.
import { AxeBuilder } from '@axe-core/playwright'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

// The API answers some requests with 4xx on purpose (who-am-I before sign-in,
// a validation error); Chromium logs those as console errors.
const EXPECTED_CONSOLE = /^Failed to load resource: the server responded with a status of 4\d\d/

/** @param {string} name */
function env(name) {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set (the Go test passes it)`)
  return v
}

/**
 * @typedef {object} Journey
 * @property {import('playwright-core').Page} page
 * @property {import('playwright-core').BrowserContext} context
 * @property {string} baseURL
 * @property {(step: string) => Promise<void>} shot  screenshots at both widths, each checked by axe and for covered controls
 * @property {(message: string) => void} log
 */

/**
 * Serious and critical axe-core violations on the page as it is now.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
export async function axeViolations(page) {
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

/**
 * Waits for the page's finite CSS transitions and animations to end (at most
 * 2 s): axe measures colours as they are, and a button just enabled is still
 * fading from its disabled colour for 150 ms (transition-colors). Endless
 * ones (spinners) are not waited for.
 * @param {import('playwright-core').Page} page
 */
export async function transitionsDone(page) {
  await page.evaluate(() =>
    Promise.race([
      Promise.all(
        document
          .getAnimations()
          .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
          .map((a) => a.finished.catch(() => undefined)),
      ),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]),
  )
}

/**
 * Controls a visible toast covers (it must never cover one).
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
export async function coveredByToast(page) {
  return page.evaluate(() => {
    const toasts = Array.from(document.querySelectorAll('[data-toast]')).map((t) => t.getBoundingClientRect()).filter((r) => r.width > 0)
    if (toasts.length === 0) return []
    const controls = Array.from(document.querySelectorAll('button, a[href], input, select, textarea, summary, [role="button"]')).filter(
      (el) => !el.closest('[data-toasts]') && el.getClientRects().length > 0,
    )
    // The part of a control that is on screen: its box clipped by every
    // scrolling ancestor (a nav list that scrolls hides part of its last link).
    const visible = (/** @type {Element} */ el) => {
      const r = el.getBoundingClientRect()
      let box = { left: r.left, right: r.right, top: r.top, bottom: r.bottom }
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p)
        if (!/(auto|scroll|hidden|clip)/.test(o.overflow + o.overflowX + o.overflowY)) continue
        const c = p.getBoundingClientRect()
        box = { left: Math.max(box.left, c.left), right: Math.min(box.right, c.right), top: Math.max(box.top, c.top), bottom: Math.min(box.bottom, c.bottom) }
      }
      return box
    }
    const hits = []
    for (const el of controls) {
      const r = visible(el)
      for (const t of toasts) {
        if (!(r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top)) continue
        // Covered means the toast is what is on top where they meet (a
        // control scrolled out of its own box is not covered).
        const x = (Math.max(r.left, t.left) + Math.min(r.right, t.right)) / 2
        const y = (Math.max(r.top, t.top) + Math.min(r.bottom, t.bottom)) / 2
        if (!document.elementFromPoint(x, y)?.closest('[data-toasts]')) continue
        // …and that without the toast the control itself would be seen
        // there (not, say, a sticky top bar it has scrolled under).
        const regions = /** @type {HTMLElement[]} */ (Array.from(document.querySelectorAll('[data-toasts]')))
        for (const r of regions) r.style.visibility = 'hidden'
        const under = document.elementFromPoint(x, y)
        for (const r of regions) r.style.visibility = ''
        if (under && (under === el || el.contains(under))) {
          hits.push((el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 40))
          break
        }
      }
    }
    return hits
  })
}

/**
 * Runs one journey and exits non-zero (with the reason) when it fails.
 * @param {string} name
 * @param {(j: Journey) => Promise<void>} fn
 */
export async function journey(name, fn) {
  const started = Date.now()
  const baseURL = env('BASE_URL')
  const origin = new URL(baseURL).origin
  const artifacts = env('ARTIFACTS_DIR')
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  await mkdir(artifacts, { recursive: true })
  for (const f of await readdir(artifacts)) if (f.startsWith(`${name}-`) && f.endsWith('.png')) await rm(join(artifacts, f))

  const userDataDir = await mkdtemp(join(tmpdir(), `konstruct-e2e-${name}-`))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
    baseURL,
    locale: 'en-US',
    timezoneId: 'UTC',
  })
  /** @type {string[]} */
  const problems = []
  const log = (/** @type {string} */ message) => console.log(`[${name} +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`)

  // Nothing the portal or the docs load may leave the machine. The Go test
  // names the fakes a journey may visit too (the fake Slack's OAuth page).
  const allowed = new Set([origin, ...(process.env.E2E_EXTRA_ORIGINS ?? '').split(',').filter(Boolean).map((o) => new URL(o).origin)])
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.protocol === 'data:' || url.protocol === 'blob:' || allowed.has(url.origin)) return route.continue()
    problems.push(`request to another host: ${url.href}`)
    return route.abort('blockedbyclient')
  })

  const page = context.pages()[0] ?? (await context.newPage())
  page.setDefaultTimeout(15_000)
  page.on('console', (m) => {
    if (m.type() === 'error' && !EXPECTED_CONSOLE.test(m.text())) problems.push(`console error on ${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`uncaught error on ${page.url()}: ${e.message}`))

  let n = 0
  const check = async (/** @type {string} */ step, /** @type {string} */ width) => {
    await transitionsDone(page)
    let violations = await axeViolations(page)
    // The page may change while axe reads it (a polled status enables a
    // button, which then fades from its disabled colour): a violation counts
    // only if it is still there once that change has settled.
    if (violations.length > 0) {
      await transitionsDone(page)
      violations = await axeViolations(page)
    }
    for (const v of violations) problems.push(`axe, ${step} at ${width}: ${v}`)
    for (const c of await coveredByToast(page)) problems.push(`${step} at ${width}: a toast covers “${c}”`)
  }
  const shot = async (/** @type {string} */ step) => {
    n++
    const base = join(artifacts, `${name}-${String(n).padStart(2, '0')}-${step}`)
    await check(step, 'desktop')
    await page.screenshot({ path: `${base}-desktop.png`, fullPage: true })
    await page.setViewportSize(PHONE)
    await page.waitForTimeout(150) // let the layout settle at the new width
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    if (overflow > 1) problems.push(`${step}: the page is ${overflow}px wider than a ${PHONE.width}px phone`)
    await check(step, 'phone')
    await page.screenshot({ path: `${base}-phone.png`, fullPage: true })
    await page.setViewportSize(DESKTOP)
    await page.waitForTimeout(50)
    log(`screenshot ${step}`)
  }

  /** @type {unknown} */
  let failure = null
  try {
    await fn({ page, context, baseURL, shot, log })
  } catch (err) {
    failure = err
    await page.screenshot({ path: join(artifacts, `${name}-failure.png`), fullPage: true }).catch(() => {})
  } finally {
    await context.close().catch(() => {})
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {})
  }
  if (failure) {
    console.error(`[${name}] FAILED: ${failure instanceof Error ? failure.stack : String(failure)}`)
    if (problems.length) console.error(`[${name}] also seen:\n  ${problems.join('\n  ')}`)
    process.exit(1)
  }
  if (problems.length) {
    console.error(`[${name}] FAILED:\n  ${problems.join('\n  ')}`)
    process.exit(1)
  }
  log('passed')
}

/**
 * Signs in with the account the Go test created for this journey.
 * @param {import('playwright-core').Page} page
 */
export async function signIn(page) {
  await page.goto('/sign-in')
  await page.getByLabel('Email').fill(env('E2E_EMAIL'))
  await page.getByLabel('Password').fill(env('E2E_PASSWORD'))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: /^Hello/ }).waitFor()
}

/** @param {string} name */
export function need(name) {
  return env(name)
}

/**
 * Asserts like node:assert but reads well in a journey.
 * @param {unknown} cond
 * @param {string} message
 */
export function expect(cond, message) {
  if (!cond) throw new Error(`expectation failed: ${message}`)
}

/**
 * A fresh address per run, so journeys never collide in a shared database.
 * @param {string} prefix
 */
export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.com`
}
